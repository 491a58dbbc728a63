using System.Net;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VectorDR.Core.Errors;

namespace VectorDR.Storage.S3;

/// <summary>
/// Objects in an S3 bucket under a key prefix. Writes stream through <see cref="MultipartUploader"/>, large reads
/// through <see cref="RangedReadStream"/>; every request is retried on its own (<see cref="RetryPolicy"/>) and failures
/// become messages naming the bucket and endpoint (<see cref="S3ErrorTranslator"/>).
/// On a versioned (e.g. Object Lock) bucket, <see cref="DeleteAsync"/> adds a delete marker; old versions stay until
/// the bucket's lifecycle rules or retention let them go.
/// </summary>
public sealed class S3ObjectStore : IObjectStore, IServerSideCopyTarget, IStaleUploadJanitor
{
    private const string WriteProbeKey = ".vectordr-write-probe";

    private readonly AmazonS3Client _client;
    private readonly S3Target _target;
    private readonly MultipartUploader _uploader;
    private readonly ILogger _logger;
    private readonly string _identity; // access key id: decides whether two stores can copy server-side; never printed
    private readonly SemaphoreSlim _lockCheck = new(1, 1);
    private bool _objectLockEnabled;

    private S3ObjectStore(S3Location location, S3TransferOptions transfer, AWSCredentials credentials, string identity,
        S3EncryptionHeaders encryption, HttpClientFactory? httpClients, ILogger logger)
    {
        Location = location;
        _logger = logger;
        _identity = identity;
        _client = S3ClientFactory.Create(location, transfer, credentials, httpClients);
        // Only https makes a CA matter: AWS itself (no endpoint) or an https endpoint.
        ReadUrlsNeedPrivateTrust = httpClients is not null && (location.Endpoint?.Scheme ?? Uri.UriSchemeHttps) == Uri.UriSchemeHttps;
        var requests = new S3Requests(new RetryPolicy(transfer.MaxRetries, transfer.RetryBaseDelay, logger), new S3ErrorTranslator(location));
        _target = new S3Target(_client, location, requests, encryption, transfer);
        _uploader = new MultipartUploader(_target, logger);
    }

    public S3Location Location { get; }

    public string DisplayLocation => Location.Display;

    public bool ReadUrlsNeedPrivateTrust { get; }

    /// <summary>The SDK client, for callers (tests, tooling) that need an operation this store does not wrap.</summary>
    public IAmazonS3 Client => _client;

    private S3Requests Requests => _target.Requests;

    /// <summary>Opens and checks the bucket: see <see cref="ObjectStores.OpenAsync(string, ObjectStoreOpenOptions?, CancellationToken)"/>.</summary>
    public static async Task<S3ObjectStore> OpenAsync(S3Location location, ObjectStoreOpenOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        options ??= new ObjectStoreOpenOptions();
        options.S3.Validate();
        var environment = options.Environment ?? Environment.GetEnvironmentVariable;
        var credentials = S3Credentials.Resolve(environment);
        var encryption = S3EncryptionHeaders.Create(location.Encryption, environment);
        var httpClients = environment("AWS_CA_BUNDLE") is { Length: > 0 } bundle ? CaBundleHttpClientFactory.Load(bundle) : null;
        var logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<S3ObjectStore>();
        string identity;
        try
        {
            // profiles may assume a role or run a credential_process: resolve now, with a clear error
            identity = (await credentials.GetCredentialsAsync().ConfigureAwait(false)).AccessKey;
        }
        catch (AmazonClientException ex)
        {
            throw new InvalidInputException($"S3 credentials could not be resolved: {ex.Message}", ex);
        }

        var store = new S3ObjectStore(location, options.S3, credentials, identity, encryption, httpClients, logger);
        try
        {
            await store.CheckAsync(options.RequireWritable, cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<long> PutAsync(string key, Stream content, PutOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        ArgumentNullException.ThrowIfNull(content);
        if (options?.Lock is not null) await EnsureObjectLockEnabledAsync(cancellationToken).ConfigureAwait(false);
        return await _uploader.UploadAsync(key, content, options, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var head = await HeadAsync(key, cancellationToken).ConfigureAwait(false) ?? throw new ObjectNotFoundException(DisplayLocation, key);
        var size = head.ContentLength;
        if (size == 0) return new MemoryStream([], writable: false);
        var etag = head.ETag;
        return new RangedReadStream((offset, length, buffer, ct) => FetchRangeAsync(key, etag, size, offset, length, buffer, ct),
            size, _target.Transfer.DownloadRangeSize, _target.Transfer.DownloadRangesInFlight);
    }

    public async Task<ObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default)
    {
        var head = await HeadAsync(key, cancellationToken).ConfigureAwait(false);
        return head is null
            ? null
            : new ObjectInfo(key, head.ContentLength, ToOffset(head.LastModified)) { RetainUntil = head.ObjectLockRetainUntilDate is null ? null : ToOffset(head.ObjectLockRetainUntilDate) };
    }

    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectKey.ValidatePrefix(prefix);
        string? continuation = null;
        do
        {
            var request = new ListObjectsV2Request
            {
                BucketName = Location.Bucket,
                Prefix = Location.FullPrefix(prefix),
                ContinuationToken = continuation,
            };
            var page = await Requests.RunAsync($"list objects under '{prefix}' in", null,
                ct => _client.ListObjectsV2Async(request, ct), cancellationToken).ConfigureAwait(false);
            foreach (var item in page.S3Objects ?? []) // SDK v4: an empty page has a null collection
            {
                if (item.Key.EndsWith('/')) continue; // "folder" placeholders made by consoles are not objects
                yield return new ObjectInfo(Location.StoreKey(item.Key), item.Size ?? 0, ToOffset(item.LastModified));
            }

            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        await Requests.RunAsync($"delete '{key}' from", key,
            ct => _client.DeleteObjectAsync(Location.Bucket, Location.FullKey(key), ct), cancellationToken).ConfigureAwait(false);
    }

    public async Task<Uri?> TryGetReadUrlAsync(string key, TimeSpan validFor, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(validFor, TimeSpan.Zero);
        // SigV4 pre-signed URLs live at most 7 days.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(validFor, TimeSpan.FromDays(7));
        if (_target.Encryption.UsesCustomerKey)
        {
            _logger.LogInformation("No pre-signed URL for {Key}: SSE-C objects need the key in request headers, which a plain GET cannot send", key);
            return null;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var url = await _client.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = Location.Bucket,
            Key = Location.FullKey(key),
            Verb = HttpVerb.GET,
            Expires = DateTime.UtcNow.Add(validFor),
            // the SDK defaults to https; a plain-http endpoint (on-prem, loopback) needs an http URL
            Protocol = Location.Endpoint?.Scheme == Uri.UriSchemeHttp ? Protocol.HTTP : Protocol.HTTPS,
        }).ConfigureAwait(false);
        return new Uri(url);
    }

    public Task<bool> TryServerSideCopyAsync(IObjectStore source, string sourceKey, string destinationKey, PutOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ObjectKey.Validate(sourceKey);
        ObjectKey.Validate(destinationKey);
        if (source is not S3ObjectStore s3Source || !SameService(s3Source)) return Task.FromResult(false);
        return CopyAsync(s3Source, sourceKey, destinationKey, options, cancellationToken);
    }

    private async Task<bool> CopyAsync(S3ObjectStore source, string sourceKey, string destinationKey, PutOptions? options, CancellationToken cancellationToken)
    {
        if (options?.Lock is not null) await EnsureObjectLockEnabledAsync(cancellationToken).ConfigureAwait(false);
        var head = await source.HeadAsync(sourceKey, cancellationToken).ConfigureAwait(false)
            ?? throw new ObjectNotFoundException(source.DisplayLocation, sourceKey);
        var copier = new S3ServerSideCopier(_target, _logger);
        await copier.CopyAsync(source._target, sourceKey, head.ContentLength, destinationKey, options, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async IAsyncEnumerable<PendingUpload> ListPendingUploadsAsync(string prefix = "", [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectKey.ValidatePrefix(prefix);
        string? keyMarker = null, uploadIdMarker = null;
        while (true)
        {
            var request = new ListMultipartUploadsRequest
            {
                BucketName = Location.Bucket,
                Prefix = Location.FullPrefix(prefix),
                KeyMarker = keyMarker,
                UploadIdMarker = uploadIdMarker,
            };
            var page = await Requests.RunAsync("list unfinished uploads in", null,
                ct => _client.ListMultipartUploadsAsync(request, ct), cancellationToken).ConfigureAwait(false);
            foreach (var upload in page.MultipartUploads ?? [])
            {
                yield return new PendingUpload(Location.StoreKey(upload.Key), upload.UploadId, ToOffset(upload.Initiated));
            }

            if (page.IsTruncated != true) yield break;
            keyMarker = page.NextKeyMarker;
            uploadIdMarker = page.NextUploadIdMarker;
        }
    }

    public async Task<int> AbortStaleUploadsAsync(TimeSpan olderThan, string prefix = "", CancellationToken cancellationToken = default)
    {
        var cutoff = DateTimeOffset.UtcNow - olderThan;
        var stale = new List<PendingUpload>();
        await foreach (var upload in ListPendingUploadsAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            if (upload.Started < cutoff) stale.Add(upload);
        }

        foreach (var upload in stale)
        {
            await Requests.RunAsync($"abort the stale upload of '{upload.Key}' in", upload.Key,
                ct => _client.AbortMultipartUploadAsync(Location.Bucket, Location.FullKey(upload.Key), upload.UploadId, ct),
                cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("Aborted stale multipart upload of {Key} started {Started:u}", upload.Key, upload.Started);
        }

        return stale.Count;
    }

    /// <summary>Throws a clear error when the bucket cannot hold locked objects; checked once per store.</summary>
    public async Task EnsureObjectLockEnabledAsync(CancellationToken cancellationToken = default)
    {
        if (_objectLockEnabled) return;
        await _lockCheck.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_objectLockEnabled) return;
            GetObjectLockConfigurationResponse response;
            try
            {
                response = await Requests.RunAsync("read the Object Lock configuration of", null,
                    ct => _client.GetObjectLockConfigurationAsync(new GetObjectLockConfigurationRequest { BucketName = Location.Bucket }, ct),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (StorageException ex) when (ex.InnerException is AmazonS3Exception { ErrorCode: "ObjectLockConfigurationNotFoundError" } or AmazonS3Exception { StatusCode: HttpStatusCode.NotFound, ErrorCode: not "NoSuchBucket" })
            {
                throw _target.Requests.Errors.ObjectLockNotEnabled(ex.InnerException);
            }

            if (response.ObjectLockConfiguration?.ObjectLockEnabled != ObjectLockEnabled.Enabled)
            {
                throw _target.Requests.Errors.ObjectLockNotEnabled();
            }

            _objectLockEnabled = true;
        }
        finally
        {
            _lockCheck.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The bucket exists, the endpoint answers and accepts the credentials, listing is allowed; with
    /// <paramref name="requireWritable"/> also writing. The write check starts and aborts a multipart upload:
    /// it needs the same permission as a put but leaves no object behind, even under a default Object Lock retention.
    /// </summary>
    private async Task CheckAsync(bool requireWritable, CancellationToken cancellationToken)
    {
        await Requests.RunAsync("list objects in", null, ct => _client.ListObjectsV2Async(new ListObjectsV2Request
        {
            BucketName = Location.Bucket,
            Prefix = Location.FullPrefix(""),
            MaxKeys = 1,
        }, ct), cancellationToken).ConfigureAwait(false);
        if (!requireWritable) return;

        var probe = Location.FullKey(WriteProbeKey);
        var initiate = new InitiateMultipartUploadRequest { BucketName = Location.Bucket, Key = probe };
        _target.Encryption.Apply(initiate);
        var upload = await Requests.RunAsync("write to", null, ct => _client.InitiateMultipartUploadAsync(initiate, ct), cancellationToken).ConfigureAwait(false);
        await Requests.RunAsync("write to", null, ct => _client.AbortMultipartUploadAsync(Location.Bucket, probe, upload.UploadId, ct),
            CancellationToken.None).ConfigureAwait(false);
    }

    private async Task<GetObjectMetadataResponse?> HeadAsync(string key, CancellationToken cancellationToken)
    {
        ObjectKey.Validate(key);
        try
        {
            var request = new GetObjectMetadataRequest { BucketName = Location.Bucket, Key = Location.FullKey(key) };
            _target.Encryption.Apply(request);
            return await Requests.RunAsync($"read '{key}' from", key, ct => _client.GetObjectMetadataAsync(request, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }
    }

    private async Task FetchRangeAsync(string key, string etag, long size, long offset, int length, byte[] buffer, CancellationToken cancellationToken)
    {
        await Requests.RunAsync($"read '{key}' from", key, async ct =>
        {
            var request = new GetObjectRequest
            {
                BucketName = Location.Bucket,
                Key = Location.FullKey(key),
                // If-Match: an object replaced while being read fails (412) instead of mixing old and new bytes
                EtagToMatch = etag,
            };
            // a small object is one plain GET; a large one is read in ranges
            if (length != size) request.ByteRange = new ByteRange(offset, offset + length - 1);
            _target.Encryption.Apply(request);
            using var response = await _client.GetObjectAsync(request, ct).ConfigureAwait(false);
            if (response.ContentLength != length)
            {
                throw new IOException($"range {offset}+{length} of '{key}' returned {response.ContentLength} bytes");
            }

            await using var body = response.ResponseStream;
            await body.ReadExactlyAsync(buffer.AsMemory(0, length), ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    private bool SameService(S3ObjectStore other) =>
        Equals(Location.Endpoint, other.Location.Endpoint)
        && string.Equals(Location.Region, other.Location.Region, StringComparison.Ordinal)
        && string.Equals(_identity, other._identity, StringComparison.Ordinal);

    private static DateTimeOffset ToOffset(DateTime? time) =>
        time is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t.ToUniversalTime(), DateTimeKind.Utc)) : DateTimeOffset.MinValue;
}
