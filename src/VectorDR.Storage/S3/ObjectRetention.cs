using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;

namespace VectorDR.Storage.S3;

/// <summary>
/// Makes sure an object written through a multipart upload carries the retention that was asked for.
/// Ceph RGW 16 silently ignores the Object Lock headers of CreateMultipartUpload (PutObject honours them), so a
/// large "locked" backup would be deletable. After completing such an upload the retention is read back and, when
/// missing or shorter, set with PutObjectRetention. On AWS this costs one GET that finds the lock in place.
/// </summary>
internal static class ObjectRetention
{
    private static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(1); // S3 stores retain-until with second precision

    public static async Task EnsureAsync(S3Target target, string key, ObjectLockSettings wanted, ILogger logger, CancellationToken cancellationToken)
    {
        if (wanted.RetainUntil <= DateTimeOffset.UtcNow)
        {
            // S3 refuses a retain-until date in the past, and such a lock would protect nothing any more anyway
            logger.LogWarning("The retention of {Key} ended ({RetainUntil:u}) before its upload completed; not setting it", key, wanted.RetainUntil);
            return;
        }

        var fullKey = target.Location.FullKey(key);
        var mode = wanted.Mode == ObjectLockMode.Compliance ? ObjectLockRetentionMode.Compliance : ObjectLockRetentionMode.Governance;
        var current = await ReadAsync(target, key, fullKey, cancellationToken).ConfigureAwait(false);
        if (current?.Mode == mode && current.RetainUntilDate is { } until && until.ToUniversalTime() >= wanted.RetainUntil.UtcDateTime - Tolerance)
        {
            return;
        }

        logger.LogInformation("The server did not apply the requested {Mode} retention to {Key} (Ceph RGW ignores it on multipart uploads); setting it now",
            wanted.Mode, key);
        await target.Requests.RunAsync($"set the Object Lock retention of '{key}' in", key, ct => target.Client.PutObjectRetentionAsync(new PutObjectRetentionRequest
        {
            BucketName = target.Bucket,
            Key = fullKey,
            Retention = new ObjectLockRetention { Mode = mode, RetainUntilDate = wanted.RetainUntil.UtcDateTime },
        }, ct), cancellationToken).ConfigureAwait(false);
    }

    private static async Task<ObjectLockRetention?> ReadAsync(S3Target target, string key, string fullKey, CancellationToken cancellationToken)
    {
        try
        {
            var response = await target.Requests.RunAsync($"read the Object Lock retention of '{key}' in", key,
                ct => target.Client.GetObjectRetentionAsync(new GetObjectRetentionRequest { BucketName = target.Bucket, Key = fullKey }, ct),
                cancellationToken).ConfigureAwait(false);
            return response.Retention;
        }
        catch (StorageException ex) when (ex.InnerException is AmazonS3Exception { ErrorCode: "ObjectLockConfigurationNotFoundError" or "NoSuchObjectLockConfiguration" })
        {
            return null; // no retention on the object
        }
    }
}
