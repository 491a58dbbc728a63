using System.Collections.Concurrent;
using System.Net;
using System.Reflection;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging.Abstractions;
using VectorDR.Storage.S3;
using VectorDR.Storage.Tests.Support;

namespace VectorDR.Storage.Tests.Units;

/// <summary>
/// Orderings of parallel part failures that a real server produces only by chance (the RGW tests met this one once in
/// many runs), made certain with a scripted client.
/// </summary>
public sealed class MultipartUploaderTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task A_part_failing_as_a_sibling_cancels_it_does_not_hide_the_translated_failure()
    {
        // Part 2 is throttled until its retries are spent. Parts 1 and 3 get their throttling answer at the very moment
        // part 2's failure cancels them: their runner sees a cancelled token and lets the SDK's exception through as it is.
        var s3 = ScriptedS3.Create(async (partNumber, ct) =>
        {
            if (partNumber != 2) await WaitForCancellationAsync(ct);
            throw SlowDown();
        });

        var ex = await Assert.ThrowsAsync<StorageException>(() => UploaderFor(s3.Client).UploadAsync(
            "never.bin", new GeneratedStream(12 * MiB), null, CancellationToken.None));

        Assert.Contains("upload part 2 of 'never.bin'", ex.Message);
        Assert.Contains("SlowDown", ex.Message);
        Assert.Contains("gave up after 3 attempts", ex.Message);
        Assert.Equal(["upload-1"], s3.Aborted);
    }

    [Fact]
    public async Task A_source_that_fails_is_reported_as_itself_and_the_upload_is_aborted()
    {
        var s3 = ScriptedS3.Create((_, _) => Task.CompletedTask);

        var ex = await Assert.ThrowsAsync<IOException>(() => UploaderFor(s3.Client).UploadAsync(
            "cut.bin", new GeneratedStream(12 * MiB) { FailAfter = 7 * MiB }, null, CancellationToken.None));

        Assert.Equal($"source failed after {7 * MiB} bytes (test)", ex.Message);
        Assert.Equal(["upload-1"], s3.Aborted);
    }

    private static MultipartUploader UploaderFor(IAmazonS3 client)
    {
        var location = new S3Location("bucket", "prefix", new Uri("http://127.0.0.1:9"));
        var transfer = new S3TransferOptions { PartSize = 5 * MiB, MaxRetries = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(1) };
        var requests = new S3Requests(new RetryPolicy(transfer.MaxRetries, transfer.RetryBaseDelay, NullLogger.Instance), new S3ErrorTranslator(location));
        var target = new S3Target(client, location, requests, S3EncryptionHeaders.Create(null, _ => null), transfer);
        return new MultipartUploader(target, NullLogger.Instance);
    }

    private static AmazonS3Exception SlowDown() =>
        new("Please reduce your request rate.", Amazon.Runtime.ErrorType.Sender, "SlowDown", "req", HttpStatusCode.ServiceUnavailable);

    private static Task WaitForCancellationAsync(CancellationToken ct)
    {
        var cancelled = new TaskCompletionSource();
        ct.Register(() => cancelled.TrySetResult());
        return cancelled.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// An <see cref="IAmazonS3"/> that answers the multipart calls: initiate and abort succeed (aborts are recorded),
    /// each part runs the test's script (which may throw) and then succeeds. Anything else is a test bug.
    /// </summary>
    public class ScriptedS3 : DispatchProxy
    {
        private Func<int, CancellationToken, Task> _part = null!;
        private readonly ConcurrentQueue<string> _aborted = new();

        public IReadOnlyList<string> Aborted => [.. _aborted];

        public IAmazonS3 Client => (IAmazonS3)(object)this;

        public static ScriptedS3 Create(Func<int, CancellationToken, Task> part)
        {
            var proxy = (ScriptedS3)(object)Create<IAmazonS3, ScriptedS3>();
            proxy._part = part;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            var ct = args?.OfType<CancellationToken>().FirstOrDefault() ?? CancellationToken.None;
            return method?.Name switch
            {
                nameof(IAmazonS3.InitiateMultipartUploadAsync) => Task.FromResult(new InitiateMultipartUploadResponse { UploadId = "upload-1" }),
                nameof(IAmazonS3.UploadPartAsync) => UploadPartAsync((UploadPartRequest)args![0]!, ct),
                nameof(IAmazonS3.AbortMultipartUploadAsync) => Abort(args!),
                _ => throw new NotSupportedException($"ScriptedS3 does not answer {method?.Name}"),
            };
        }

        private async Task<UploadPartResponse> UploadPartAsync(UploadPartRequest request, CancellationToken ct)
        {
            await _part(request.PartNumber!.Value, ct);
            return new UploadPartResponse { ETag = $"\"etag-{request.PartNumber}\"", PartNumber = request.PartNumber };
        }

        private Task<AbortMultipartUploadResponse> Abort(object?[] args)
        {
            _aborted.Enqueue(args[0] is AbortMultipartUploadRequest request ? request.UploadId : (string)args[2]!);
            return Task.FromResult(new AbortMultipartUploadResponse());
        }
    }
}
