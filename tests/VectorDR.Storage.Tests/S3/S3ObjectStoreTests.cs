using System.Diagnostics;
using System.Net;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using VectorDR.Core.Errors;
using VectorDR.Storage.S3;
using VectorDR.Storage.Tests.Support;
using Xunit.Abstractions;

namespace VectorDR.Storage.Tests.S3;

/// <summary>S3-specific behaviour on Ceph RGW: errors people hit, Object Lock, faults, pre-signed URLs, server-side copy.</summary>
[RequiresS3]
public sealed class S3ObjectStoreTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const long MiB = 1024 * 1024;
    private readonly List<string> _buckets = [];
    private S3Admin _admin = null!;

    private static S3TestSettings Settings => S3TestSettings.Current;

    public Task InitializeAsync()
    {
        _admin = new S3Admin(Settings);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var bucket in _buckets) await _admin.DeleteBucketAsync(bucket);
        _admin.Dispose();
    }

    private async Task<string> BucketAsync(string purpose, bool objectLock = false)
    {
        var bucket = await _admin.CreateBucketAsync(purpose, objectLock);
        _buckets.Add(bucket);
        return bucket;
    }

    private static Task<IObjectStore> OpenAsync(string location, bool writable = false, S3TransferOptions? transfer = null,
        Func<string, string?>? environment = null) =>
        ObjectStores.OpenAsync(location, new ObjectStoreOpenOptions
        {
            RequireWritable = writable,
            Environment = environment ?? Settings.StoreEnvironment(),
            S3 = transfer ?? new S3TransferOptions { PartSize = 5 * MiB },
        });

    [StoreFact]
    public async Task Part_buffers_are_shared_by_all_uploads_of_a_store_and_always_given_back()
    {
        // The store's part buffers are one bounded pool: a buffer not returned after any kind of put would, after a
        // handful of puts, block every later upload of the store for ever.
        var bucket = await BucketAsync("buffers");
        await using var store = await OpenAsync(Settings.Location(bucket), transfer: new S3TransferOptions { PartSize = 5 * MiB, UploadPartsInFlight = 1 });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        for (var i = 0; i < 12; i++)
        {
            await store.PutAsync($"small/{i}", new MemoryStream(new byte[1000 + i]), cancellationToken: timeout.Token);
            await Assert.ThrowsAsync<IOException>(() => store.PutAsync($"failing/{i}", new FailingStream(), cancellationToken: timeout.Token));
        }
        // Two multipart uploads at once share the pool and both complete.
        await Task.WhenAll(
            store.PutAsync("big/a", new MemoryStream(new byte[12 * MiB]), cancellationToken: timeout.Token),
            store.PutAsync("big/b", new MemoryStream(new byte[12 * MiB]), cancellationToken: timeout.Token));
        Assert.Equal(12 * MiB, (await store.GetInfoAsync("big/b", timeout.Token))!.Size);
    }

    /// <summary>A source that breaks after one byte.</summary>
    private sealed class FailingStream : Stream
    {
        private bool _sent;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => 0; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_sent) throw new IOException("source broke");
            _sent = true;
            buffer[offset] = 1;
            return 1;
        }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [StoreFact]
    public async Task Wrong_credentials_are_reported_as_rejected_without_revealing_them()
    {
        var bucket = await BucketAsync("creds");
        const string badSecret = "ThisIsNotTheSecret0123456789abcdef";

        var ex = await Assert.ThrowsAsync<StorageException>(() => OpenAsync(Settings.Location(bucket),
            environment: Settings.StoreEnvironment(("AWS_SECRET_ACCESS_KEY", badSecret))));

        output.WriteLine(ex.Message);
        Assert.Contains("credentials were rejected", ex.Message);
        Assert.Contains(new Uri(Settings.Endpoint).GetLeftPart(UriPartial.Authority), ex.Message);
        Assert.DoesNotContain(badSecret, ex.Message);
        Assert.DoesNotContain(Settings.AccessKey, ex.Message);
    }

    [StoreFact]
    public async Task An_unknown_access_key_is_reported_as_rejected()
    {
        var bucket = await BucketAsync("creds");

        var ex = await Assert.ThrowsAsync<StorageException>(() => OpenAsync(Settings.Location(bucket),
            environment: Settings.StoreEnvironment(("AWS_ACCESS_KEY_ID", "AKIANOSUCHKEY0000000"))));

        Assert.Contains("credentials were rejected", ex.Message);
        Assert.DoesNotContain("AKIANOSUCHKEY0000000", ex.Message);
    }

    [StoreFact]
    public async Task Missing_credentials_say_where_they_are_looked_for()
    {
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => OpenAsync(Settings.Location("any-bucket"),
            environment: name => name == "HOME" ? "/nonexistent-home" : null));

        Assert.Contains("AWS_ACCESS_KEY_ID", ex.Message);
        Assert.Contains("shared credentials file", ex.Message);
    }

    [StoreFact]
    public async Task Credentials_from_a_shared_credentials_file_profile_work()
    {
        var bucket = await BucketAsync("profile");
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, $"[default]\naws_access_key_id = WRONG\naws_secret_access_key = WRONG\n\n[vdr]\naws_access_key_id = {Settings.AccessKey}\naws_secret_access_key = {Settings.SecretKey}\n");
            var env = new Dictionary<string, string> { ["AWS_SHARED_CREDENTIALS_FILE"] = file, ["AWS_PROFILE"] = "vdr" };

            await using var store = await OpenAsync(Settings.Location(bucket), writable: true, environment: env.GetValueOrDefault);
            await store.PutAsync("x", new MemoryStream([1]));

            var missing = await Assert.ThrowsAsync<InvalidInputException>(() =>
                OpenAsync(Settings.Location(bucket), environment: new Dictionary<string, string> { ["AWS_SHARED_CREDENTIALS_FILE"] = file, ["AWS_PROFILE"] = "nope" }.GetValueOrDefault));
            Assert.Contains("profile 'nope'", missing.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [StoreFact]
    public async Task A_missing_bucket_is_named()
    {
        var bucket = S3Admin.NewBucketName("missing");

        var ex = await Assert.ThrowsAsync<StorageException>(() => OpenAsync(Settings.Location(bucket, "p")));

        Assert.Contains($"bucket '{bucket}' does not exist", ex.Message);
        Assert.Equal(ErrorKind.InvalidInput, ex.Kind);
    }

    [StoreFact]
    public async Task An_unreachable_endpoint_is_reported()
    {
        var port = LoopbackPorts.Free();
        var ex = await Assert.ThrowsAsync<StorageException>(() => OpenAsync(Settings.Location("bucket", endpoint: $"http://127.0.0.1:{port}"),
            transfer: new S3TransferOptions { MaxRetries = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(10) }));

        Assert.Contains($"the connection to the endpoint http://127.0.0.1:{port} failed", ex.Message);
    }

    [StoreFact]
    public async Task A_user_without_access_to_the_bucket_gets_no_permission()
    {
        RequireReader();
        var bucket = await BucketAsync("perm");

        var ex = await Assert.ThrowsAsync<StorageException>(() => OpenAsync(Settings.Location(bucket), environment: ReaderEnvironment()));

        output.WriteLine(ex.Message);
        Assert.Contains("no permission to list objects in bucket", ex.Message);
        Assert.DoesNotContain(Settings.ReaderSecretKey!, ex.Message);
    }

    [StoreFact]
    public async Task A_read_only_user_can_open_for_reading_but_not_for_writing()
    {
        RequireReader();
        var bucket = await BucketAsync("readonly");
        await _admin.Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "p/existing", ContentBody = "data" });
        await _admin.Client.PutBucketPolicyAsync(new PutBucketPolicyRequest
        {
            BucketName = bucket,
            Policy = $$"""
                {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam:::user/reader"]},
                 "Action":["s3:ListBucket","s3:GetObject"],"Resource":["arn:aws:s3:::{{bucket}}","arn:aws:s3:::{{bucket}}/*"]}]}
                """,
        });

        await using (var reader = await OpenAsync(Settings.Location(bucket, "p"), environment: ReaderEnvironment()))
        {
            await using var read = await reader.OpenReadAsync("existing");
            Assert.Equal("data", Encoding.UTF8.GetString(await StreamAssert.ReadAllAsync(read)));
            var put = await Assert.ThrowsAsync<StorageException>(() => reader.PutAsync("new", new MemoryStream([1])));
            Assert.Contains("no permission to write 'new' to bucket", put.Message);
        }

        var ex = await Assert.ThrowsAsync<StorageException>(() => OpenAsync(Settings.Location(bucket, "p"), writable: true, environment: ReaderEnvironment()));
        output.WriteLine(ex.Message);
        Assert.Contains($"no permission to write to bucket '{bucket}'", ex.Message);
    }

    [StoreFact]
    public async Task A_lock_on_a_bucket_without_Object_Lock_is_refused_clearly()
    {
        var bucket = await BucketAsync("nolock");
        await using var store = await OpenAsync(Settings.Location(bucket), writable: true);

        var ex = await Assert.ThrowsAsync<StorageException>(() => store.PutAsync("locked", new MemoryStream([1]),
            new PutOptions { Lock = new ObjectLockSettings(ObjectLockMode.Compliance, DateTimeOffset.UtcNow.AddMinutes(1)) }));

        Assert.Contains($"bucket '{bucket}' does not have Object Lock enabled", ex.Message);
        Assert.Empty(await _admin.ListKeysAsync(bucket));
    }

    [StoreFact]
    public async Task SlowDown_responses_are_retried_per_request_until_success()
    {
        var bucket = await BucketAsync("slowdown");
        await using var proxy = new FaultProxy(Settings.Endpoint, slowDownResponses: 6);
        var transfer = new S3TransferOptions { PartSize = 5 * MiB, MaxRetries = 8, RetryBaseDelay = TimeSpan.FromMilliseconds(20) };

        await using var store = await OpenAsync(Settings.Location(bucket, endpoint: proxy.Endpoint), writable: true, transfer: transfer);
        var stored = await store.PutAsync("throttled.bin", new GeneratedStream(12 * MiB, seed: 5));
        await using var read = await store.OpenReadAsync("throttled.bin");

        Assert.Equal(12 * MiB, stored);
        Assert.Equal(GeneratedStream.Sha256(12 * MiB, seed: 5), (await StreamAssert.HashAsync(read)).Sha256);
        Assert.Equal(6, proxy.SlowDownsSent);
        Assert.Empty(await _admin.ListUploadsAsync(bucket));
    }

    [StoreFact]
    public async Task Endless_SlowDown_fails_clearly_and_leaves_nothing()
    {
        var bucket = await BucketAsync("slowdown");
        // every part upload is throttled; initiate and abort get through, so the abort can be checked
        await using var proxy = new FaultProxy(Settings.Endpoint, slowDownResponses: int.MaxValue,
            slowDownWhen: line => line.Contains("partNumber=", StringComparison.Ordinal));
        var transfer = new S3TransferOptions { PartSize = 5 * MiB, MaxRetries = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(10) };
        await using var store = await OpenAsync(Settings.Location(bucket, endpoint: proxy.Endpoint), transfer: transfer);

        var ex = await Assert.ThrowsAsync<StorageException>(() => store.PutAsync("never.bin", new GeneratedStream(12 * MiB)));

        output.WriteLine(ex.Message);
        Assert.Contains("SlowDown", ex.Message);
        Assert.Empty(await _admin.ListKeysAsync(bucket));
        Assert.Empty(await _admin.ListUploadsAsync(bucket));
    }

    [StoreFact]
    public async Task A_connection_cut_mid_part_is_retried_and_the_upload_succeeds()
    {
        var bucket = await BucketAsync("cut");
        await using var proxy = new FaultProxy(Settings.Endpoint, connectionCuts: 2, cutAfterBytes: 1 * MiB);
        var transfer = new S3TransferOptions { PartSize = 5 * MiB, MaxRetries = 4, RetryBaseDelay = TimeSpan.FromMilliseconds(20) };
        await using var store = await OpenAsync(Settings.Location(bucket, endpoint: proxy.Endpoint), transfer: transfer);

        var stored = await store.PutAsync("cut.bin", new GeneratedStream(20 * MiB, seed: 9));

        Assert.Equal(2, proxy.CutsMade);
        Assert.Equal(20 * MiB, stored);
        await using var read = await store.OpenReadAsync("cut.bin");
        Assert.Equal(GeneratedStream.Sha256(20 * MiB, seed: 9), (await StreamAssert.HashAsync(read)).Sha256);
        Assert.Empty(await _admin.ListUploadsAsync(bucket));
    }

    [StoreFact]
    public async Task Connections_cut_on_every_attempt_fail_the_put_and_leave_no_object_and_no_upload()
    {
        var bucket = await BucketAsync("cut");
        await using var proxy = new FaultProxy(Settings.Endpoint, connectionCuts: int.MaxValue, cutAfterBytes: 1 * MiB);
        var transfer = new S3TransferOptions { PartSize = 5 * MiB, MaxRetries = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(10) };
        await using var store = await OpenAsync(Settings.Location(bucket, endpoint: proxy.Endpoint), transfer: transfer);

        var ex = await Assert.ThrowsAsync<StorageException>(() => store.PutAsync("cut.bin", new GeneratedStream(20 * MiB)));

        output.WriteLine(ex.Message);
        Assert.Contains("cut.bin", ex.Message);
        Assert.True(proxy.CutsMade >= 3, $"cuts: {proxy.CutsMade}");
        Assert.Empty(await _admin.ListKeysAsync(bucket));
        Assert.Empty(await _admin.ListUploadsAsync(bucket));
    }

    [StoreFact]
    public async Task A_pre_signed_url_serves_the_object_to_a_plain_http_client()
    {
        var bucket = await BucketAsync("presign");
        await using var store = await OpenAsync(Settings.Location(bucket, "team prefix"), writable: true);
        var data = GeneratedStream.Bytes(3 * MiB + 7, seed: 11);
        await store.PutAsync("backups/b 1/c+1/0.snapshot", new MemoryStream(data));

        var url = await store.TryGetReadUrlAsync("backups/b 1/c+1/0.snapshot", TimeSpan.FromMinutes(5));

        Assert.NotNull(url);
        Assert.Equal("http", url.Scheme);
        using var http = new HttpClient();
        Assert.Equal(data, await http.GetByteArrayAsync(url));
        using var unsigned = await http.GetAsync(new Uri(url.GetLeftPart(UriPartial.Path)));
        Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);
    }

    [StoreTheory]
    [InlineData(7, false)]  // one CopyObject
    [InlineData(12, true)]  // UploadPartCopy above the (lowered) threshold
    public async Task Server_side_copy_between_buckets_of_one_endpoint(int sizeMiB, bool multipart)
    {
        var sourceBucket = await BucketAsync("copysrc");
        var targetBucket = await BucketAsync("copydst");
        var transfer = new S3TransferOptions { PartSize = 5 * MiB, MultipartCopyThreshold = 5 * MiB, CopyPartSize = 5 * MiB };
        await using var source = await OpenAsync(Settings.Location(sourceBucket, "primary"), writable: true, transfer: transfer);
        await using var target = await OpenAsync(Settings.Location(targetBucket, "replica"), writable: true, transfer: transfer);
        await source.PutAsync("b/part", new GeneratedStream(sizeMiB * MiB, seed: sizeMiB));

        var copied = await ((IServerSideCopyTarget)target).TryServerSideCopyAsync(source, "b/part", "b/part");

        Assert.True(copied);
        await using var read = await target.OpenReadAsync("b/part");
        Assert.Equal(GeneratedStream.Sha256(sizeMiB * MiB, seed: sizeMiB), (await StreamAssert.HashAsync(read)).Sha256);
        Assert.Empty(await _admin.ListUploadsAsync(targetBucket));
        output.WriteLine($"multipart={multipart}");
    }

    [StoreFact]
    public async Task Server_side_copy_declines_other_kinds_of_store()
    {
        var bucket = await BucketAsync("copy");
        await using var target = await OpenAsync(Settings.Location(bucket), writable: true);
        var dir = Directory.CreateTempSubdirectory("vdr-copy-src");
        try
        {
            await using var fs = await ObjectStores.OpenAsync(dir.FullName);
            await fs.PutAsync("x", new MemoryStream([1]));

            Assert.False(await ((IServerSideCopyTarget)target).TryServerSideCopyAsync(fs, "x", "x"));
            Assert.Empty(await _admin.ListKeysAsync(bucket));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [StoreFact]
    public async Task Stale_multipart_uploads_are_listed_and_aborted_after_the_grace_period()
    {
        var bucket = await BucketAsync("gc");
        await _admin.Client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = "p/backups/b1/crashed.snapshot" });
        await _admin.Client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = "other/x" });
        await using var store = await OpenAsync(Settings.Location(bucket, "p"));
        var janitor = (IStaleUploadJanitor)store;

        var pending = new List<PendingUpload>();
        await foreach (var upload in janitor.ListPendingUploadsAsync()) pending.Add(upload);

        var only = Assert.Single(pending);
        Assert.Equal("backups/b1/crashed.snapshot", only.Key);
        Assert.Equal(0, await janitor.AbortStaleUploadsAsync(TimeSpan.FromHours(1)));
        Assert.Equal(1, await janitor.AbortStaleUploadsAsync(TimeSpan.FromSeconds(-5)));
        Assert.Equal(["other/x"], (await _admin.ListUploadsAsync(bucket)).Select(u => u.Key));
    }

    [StoreFact]
    public async Task SSE_KMS_objects_round_trip()
    {
        var bucket = await BucketAsync("kms");
        var keyId = Settings.KmsKeyId ?? "testkey-1";
        await using var store = await OpenAsync(Settings.Location(bucket, extraQuery: $"&sse=aws:kms&kmsKeyId={keyId}"), writable: true);

        await store.PutAsync("small", new GeneratedStream(MiB, seed: 1));
        await store.PutAsync("large", new GeneratedStream(11 * MiB, seed: 2));

        var head = await _admin.Client.GetObjectMetadataAsync(bucket, "large");
        Assert.Equal(ServerSideEncryptionMethod.AWSKMS, head.ServerSideEncryptionMethod);
        await using var read = await store.OpenReadAsync("large");
        Assert.Equal(GeneratedStream.Sha256(11 * MiB, seed: 2), (await StreamAssert.HashAsync(read)).Sha256);
    }

    [StoreFact]
    public async Task SSE_C_objects_round_trip_and_are_unreadable_without_the_key()
    {
        var bucket = await BucketAsync("ssec");
        var keyFile = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(keyFile, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n");
            var env = Settings.StoreEnvironment((S3Location.SseCustomerKeyFileVariable, keyFile));
            await using var store = await OpenAsync(Settings.Location(bucket, extraQuery: "&sse=sse-c"), writable: true, environment: env);

            await store.PutAsync("large", new GeneratedStream(11 * MiB, seed: 4));

            await using (var read = await store.OpenReadAsync("large"))
            {
                Assert.Equal(GeneratedStream.Sha256(11 * MiB, seed: 4), (await StreamAssert.HashAsync(read)).Sha256);
            }

            Assert.Null(await store.TryGetReadUrlAsync("large", TimeSpan.FromMinutes(1)));
            await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _admin.Client.GetObjectAsync(bucket, "large"));
        }
        finally
        {
            File.Delete(keyFile);
        }
    }

    [StoreFact]
    public async Task The_default_checksum_mode_works_because_bodies_are_sent_without_aws_chunked_trailers()
    {
        var bucket = await BucketAsync("crc");
        var location = Settings.Location(bucket).Replace("&checksum=when-required", "", StringComparison.Ordinal);
        Assert.Equal(S3ChecksumMode.WhenSupported, ((S3Location)StorageLocation.Parse(location, _ => null)).Checksum);
        await using var store = await OpenAsync(location, writable: true);

        await store.PutAsync("small", new GeneratedStream(MiB, seed: 1));
        await store.PutAsync("large", new GeneratedStream(11 * MiB, seed: 2));

        await using var read = await store.OpenReadAsync("large");
        Assert.Equal(GeneratedStream.Sha256(11 * MiB, seed: 2), (await StreamAssert.HashAsync(read)).Sha256);
    }

    [StoreFact]
    public async Task Streaming_put_throughput_of_256_MiB()
    {
        var bucket = await BucketAsync("speed");
        await using var store = await OpenAsync(Settings.Location(bucket), writable: true, transfer: new S3TransferOptions());
        const long size = 256 * MiB;
        var before = Process.GetCurrentProcess().WorkingSet64;

        var put = Stopwatch.StartNew();
        await store.PutAsync("speed.bin", new GeneratedStream(size, seed: 256));
        put.Stop();
        var read = Stopwatch.StartNew();
        await using (var stream = await store.OpenReadAsync("speed.bin"))
        {
            var (length, _) = await StreamAssert.HashAsync(stream);
            Assert.Equal(size, length);
        }

        read.Stop();
        var line = $"256 MiB streaming put: {size / MiB / put.Elapsed.TotalSeconds:F0} MiB/s ({put.Elapsed.TotalSeconds:F1} s, 16 MiB parts, 4 in flight); " +
                   $"ranged get: {size / MiB / read.Elapsed.TotalSeconds:F0} MiB/s; working set {before / MiB} -> {Process.GetCurrentProcess().WorkingSet64 / MiB} MiB";
        output.WriteLine(line);
        Console.WriteLine("[throughput] " + line);
    }

    private static void RequireReader() => Assert.True(Settings.ReaderAccessKey is not null && Settings.ReaderSecretKey is not null,
        "S3_READER_ACCESS_KEY_ID / S3_READER_SECRET_ACCESS_KEY are not configured (build/s3/start-rgw.sh creates this second user)");

    private Func<string, string?> ReaderEnvironment() =>
        Settings.StoreEnvironment(("AWS_ACCESS_KEY_ID", Settings.ReaderAccessKey), ("AWS_SECRET_ACCESS_KEY", Settings.ReaderSecretKey));
}
