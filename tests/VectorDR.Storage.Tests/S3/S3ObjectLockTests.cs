using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using VectorDR.Storage.Tests.Support;

namespace VectorDR.Storage.Tests.S3;

/// <summary>Object Lock on write. A class of its own: waiting out the retention must not hold up the other S3 tests.</summary>
[RequiresS3]
public sealed class S3ObjectLockTests : IAsyncLifetime
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

    private static Task<IObjectStore> OpenAsync(string location) =>
        ObjectStores.OpenAsync(location, new ObjectStoreOpenOptions
        {
            RequireWritable = true,
            Environment = Settings.StoreEnvironment(),
            S3 = new S3TransferOptions { PartSize = 5 * MiB },
        });

    [StoreTheory]
    [InlineData(1)]   // single PutObject
    [InlineData(12)]  // multipart
    public async Task A_compliance_locked_object_cannot_be_deleted(int sizeMiB)
    {
        var bucket = await BucketAsync("lock", objectLock: true);
        await using var store = await OpenAsync(Settings.Location(bucket));
        // long enough for a slow upload on a busy machine; the test waits it out so the bucket can be removed
        var retainUntil = DateTimeOffset.UtcNow.AddSeconds(20);

        await store.PutAsync("backups/b1/part.snapshot", new GeneratedStream(sizeMiB * MiB),
            new PutOptions { Lock = new ObjectLockSettings(ObjectLockMode.Compliance, retainUntil) });

        var retention = await _admin.Client.GetObjectRetentionAsync(new GetObjectRetentionRequest { BucketName = bucket, Key = "backups/b1/part.snapshot" });
        Assert.Equal(Amazon.S3.ObjectLockRetentionMode.Compliance, retention.Retention.Mode);
        Assert.True(retention.Retention.RetainUntilDate >= retainUntil.UtcDateTime.AddSeconds(-1), $"retain until {retention.Retention.RetainUntilDate:o}");
        var versions = await _admin.Client.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket });
        var version = Assert.Single(versions.Versions!);
        var refused = await Assert.ThrowsAsync<AmazonS3Exception>(() => _admin.Client.DeleteObjectAsync(new DeleteObjectRequest
        {
            BucketName = bucket, Key = version.Key, VersionId = version.VersionId, BypassGovernanceRetention = true,
        }));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        // the store's delete only hides the object behind a delete marker; the locked version stays readable
        await store.DeleteAsync("backups/b1/part.snapshot");
        Assert.Null(await store.GetInfoAsync("backups/b1/part.snapshot"));
        var kept = await _admin.Client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = version.Key, VersionId = version.VersionId });
        Assert.Equal(sizeMiB * MiB, kept.ContentLength);

        // let the retention lapse so the bucket can be cleaned up
        var wait = retainUntil - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
    }
}
