using Microsoft.Extensions.Logging;
using VectorDR.Core.Errors;
using VectorDR.Qdrant.Http;

namespace VectorDR.Qdrant.Streams;

/// <summary>
/// A snapshot body read straight off the wire (never buffered). When a <see cref="RangeResumer"/> is given, a connection
/// lost mid-way — an exception, or an end of stream before Content-Length — is resumed from the current offset, so the
/// reader sees one unbroken byte sequence. Without one (streaming shard snapshots) the same events are an
/// <see cref="IOException"/>: a truncated snapshot must never look like a complete one.
/// </summary>
internal sealed class HttpSnapshotReadStream : SnapshotReadStream
{
    private readonly string operation;
    private readonly string snapshotName;
    private readonly long? contentLength;
    private readonly RangeResumer? resumer;
    private readonly int maxResumeAttempts;
    private readonly RetryTiming timing;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private HttpResponseMessage response;
    private Stream body;
    private long position;
    private bool completed;
    private bool disposed;

    public HttpSnapshotReadStream(string operation, string snapshotName, HttpResponseMessage response, Stream body, long? contentLength,
        RangeResumer? resumer, int maxResumeAttempts, RetryTiming timing, TimeProvider time, ILogger logger)
    {
        this.operation = operation;
        this.snapshotName = snapshotName;
        this.response = response;
        this.body = body;
        this.contentLength = contentLength;
        this.resumer = resumer;
        this.maxResumeAttempts = maxResumeAttempts;
        this.timing = timing;
        this.time = time;
        this.logger = logger;
    }

    public override string SnapshotName => snapshotName;

    public override long? ContentLength => contentLength;

    public override bool CanRead => !disposed;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => contentLength ??
        throw new NotSupportedException($"{operation}: the server sent no Content-Length (streamed snapshot); use ContentLength");

    /// <summary>Bytes delivered so far. Read-only: the stream is forward-only.</summary>
    public override long Position
    {
        get => position;
        set => throw new NotSupportedException("A snapshot download is forward-only");
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (buffer.IsEmpty || completed) return 0;

        Exception? failure = null;
        for (var resume = 0; ; resume++)
        {
            if (resume > 0 && (failure = await TryResumeAsync(resume, failure!, cancellationToken).ConfigureAwait(false)) is not null)
                continue;

            int read;
            try
            {
                read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException)
            {
                failure = e;
                continue;
            }

            if (read > 0)
            {
                position += read;
                return read;
            }

            if (contentLength is null || position >= contentLength)
            {
                completed = true;
                return 0;
            }

            failure = new IOException($"the connection closed at byte {position} of {contentLength}");
        }
    }

    /// <summary>
    /// Replaces the broken response with a Range continuation. Returns null on success, the new failure when the attempt
    /// broke in transit (it counts against the limit), and throws an <see cref="IOException"/> when resuming is over.
    /// </summary>
    private async Task<Exception?> TryResumeAsync(int resume, Exception failure, CancellationToken cancellationToken)
    {
        var where = contentLength is { } length ? $"byte {position} of {length}" : $"byte {position}";
        if (resumer is null)
            throw new IOException($"{operation}: the download broke at {where} ({failure.Message}); this endpoint cannot be resumed", failure);
        if (resume > maxResumeAttempts)
            throw new IOException(
                $"{operation}: the download broke at {where} ({failure.Message}); gave up after {maxResumeAttempts} resume attempts", failure);

        Log.Resuming(logger, operation, position, contentLength, failure.Message, resume, maxResumeAttempts);
        ReleaseResponse();
        await Task.Delay(timing.Backoff(resume), time, cancellationToken).ConfigureAwait(false);
        try
        {
            (response, body) = await resumer.ReopenAsync(position, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is VectorDRException or ResumeRejectedException)
        {
            // Qdrant said no (404: the snapshot was deleted meanwhile), stayed unreachable through every retry, or sent
            // something that is not the continuation of this file: resuming cannot succeed.
            throw new IOException($"{operation}: the download broke at {where} and could not be resumed: {e.Message}", e);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException)
        {
            return e;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A snapshot download is forward-only");

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !disposed)
        {
            disposed = true;
            ReleaseResponse();
        }
        base.Dispose(disposing);
    }

    private void ReleaseResponse()
    {
        body.Dispose();
        response.Dispose();
    }
}
