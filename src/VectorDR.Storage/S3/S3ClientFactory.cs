using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace VectorDR.Storage.S3;

internal static class S3ClientFactory
{
    public static AmazonS3Client Create(S3Location location, S3TransferOptions transfer, AWSCredentials credentials, HttpClientFactory? httpClients)
    {
        var checksums = location.Checksum == S3ChecksumMode.WhenRequired;
        var config = new AmazonS3Config
        {
            ForcePathStyle = location.ForcePathStyle,
            // SDK v4 sends flexible checksums as aws-chunked trailers by default; Ceph RGW 16, older MinIO and many
            // on-prem servers reject those (XAmzContentSHA256Mismatch). checksum=when-required turns them off.
            RequestChecksumCalculation = checksums ? RequestChecksumCalculation.WHEN_REQUIRED : RequestChecksumCalculation.WHEN_SUPPORTED,
            ResponseChecksumValidation = checksums ? ResponseChecksumValidation.WHEN_REQUIRED : ResponseChecksumValidation.WHEN_SUPPORTED,
            // One retry loop only, ours (RetryPolicy): per request, logged, no client-wide retry quota.
            MaxErrorRetry = 0,
            Timeout = transfer.RequestTimeout,
            // The location (with its AWS_ENDPOINT_URL* fallbacks) already decided the endpoint; the SDK must not re-read config files.
            IgnoreConfiguredEndpointUrls = true,
            HttpClientFactory = httpClients,
        };
        if (location.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = location.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(location.Region);
        }

        return new AmazonS3Client(credentials, config);
    }
}
