using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using VectorDR.Storage.Tests.Support;

namespace VectorDR.Engine.Tests.Support;

/// <summary>
/// Throw-away buckets on the test S3 server (Ceph RGW started by make test). Also exports the AWS credentials to
/// this process's environment, since the CLI under test reads them from there as it would in production.
/// </summary>
public sealed class S3Buckets : IAsyncDisposable
{
    private readonly List<string> _buckets = [];

    public S3Buckets()
    {
        Settings = S3TestSettings.Current;
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", Settings.AccessKey);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", Settings.SecretKey);
        Client = new AmazonS3Client(new BasicAWSCredentials(Settings.AccessKey, Settings.SecretKey), new AmazonS3Config
        {
            ServiceURL = Settings.Endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = Settings.Region,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });
    }

    public S3TestSettings Settings { get; }
    public AmazonS3Client Client { get; }

    /// <summary>Creates a bucket and returns its location string with <paramref name="prefix"/>.</summary>
    public async Task<(string Bucket, string Location)> CreateAsync(string prefix = "qdrant", bool objectLock = false)
    {
        var bucket = "vdr-engine-" + Guid.NewGuid().ToString("N")[..12];
        await Client.PutBucketAsync(new PutBucketRequest { BucketName = bucket, ObjectLockEnabledForBucket = objectLock });
        _buckets.Add(bucket);
        return (bucket, Settings.Location(bucket, prefix));
    }

    public async Task<List<string>> KeysAsync(string bucket)
    {
        var response = await Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        return response.S3Objects?.Select(o => o.Key).ToList() ?? [];
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var bucket in _buckets)
        {
            try
            {
                var versions = await Client.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket });
                foreach (var v in versions.Versions ?? [])
                    await Client.DeleteObjectAsync(new DeleteObjectRequest
                    {
                        BucketName = bucket, Key = v.Key, VersionId = v.VersionId, BypassGovernanceRetention = true,
                    });
                await Client.DeleteBucketAsync(bucket);
            }
            catch (AmazonS3Exception)
            {
                // Compliance-locked objects cannot be removed before their date: the bucket stays, as it would in production.
            }
        }
        Client.Dispose();
    }
}

/// <summary>A fact that needs the S3 server: skipped (never silently passed) only when VDR_SKIP_S3=1.</summary>
public sealed class S3FactAttribute : FactAttribute
{
    public S3FactAttribute()
    {
        if (S3TestSettings.SkipRequested) Skip = $"{S3TestSettings.SkipVariable}=1: S3 tests skipped on request";
    }
}
