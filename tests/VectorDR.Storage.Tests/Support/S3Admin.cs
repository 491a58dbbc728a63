using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace VectorDR.Storage.Tests.Support;

/// <summary>Direct SDK access to the test server for setup and for checking what a store left behind.</summary>
public sealed class S3Admin : IDisposable
{
    public S3Admin(S3TestSettings settings, string? accessKey = null, string? secretKey = null)
    {
        Settings = settings;
        Client = new AmazonS3Client(new BasicAWSCredentials(accessKey ?? settings.AccessKey, secretKey ?? settings.SecretKey), new AmazonS3Config
        {
            ServiceURL = settings.Endpoint,
            AuthenticationRegion = settings.Region,
            ForcePathStyle = true,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });
    }

    public S3TestSettings Settings { get; }

    public AmazonS3Client Client { get; }

    public static string NewBucketName(string purpose) => $"vdr-{purpose}-{Guid.NewGuid():N}"[..Math.Min(63, 5 + purpose.Length + 1 + 20)];

    public async Task<string> CreateBucketAsync(string purpose, bool objectLock = false)
    {
        var name = NewBucketName(purpose);
        await Client.PutBucketAsync(new PutBucketRequest { BucketName = name, ObjectLockEnabledForBucket = objectLock });
        return name;
    }

    public async Task<List<MultipartUpload>> ListUploadsAsync(string bucket)
    {
        var response = await Client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket });
        return response.MultipartUploads ?? [];
    }

    public async Task<List<string>> ListKeysAsync(string bucket)
    {
        var response = await Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        return (response.S3Objects ?? []).Select(o => o.Key).ToList();
    }

    /// <summary>Removes the bucket and everything in it (all versions, unfinished uploads). Best effort.</summary>
    public async Task DeleteBucketAsync(string bucket)
    {
        try
        {
            foreach (var upload in await ListUploadsAsync(bucket))
            {
                await Client.AbortMultipartUploadAsync(bucket, upload.Key, upload.UploadId);
            }

            ListVersionsResponse versions;
            do
            {
                versions = await Client.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket });
                foreach (var v in versions.Versions ?? [])
                {
                    await Client.DeleteObjectAsync(new DeleteObjectRequest
                    {
                        BucketName = bucket, Key = v.Key, VersionId = v.VersionId, BypassGovernanceRetention = true,
                    });
                }
            }
            while (versions.IsTruncated == true);

            await Client.DeleteBucketAsync(bucket);
        }
        catch (AmazonS3Exception)
        {
            // leftovers on a throw-away test server are harmless; never mask the test's own result
        }
    }

    public void Dispose() => Client.Dispose();
}
