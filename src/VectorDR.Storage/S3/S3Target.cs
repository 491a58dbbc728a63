using Amazon.S3;

namespace VectorDR.Storage.S3;

/// <summary>Everything a transfer helper needs about the bucket it works on.</summary>
internal sealed record S3Target(IAmazonS3 Client, S3Location Location, S3Requests Requests, S3EncryptionHeaders Encryption, S3TransferOptions Transfer)
{
    public string Bucket => Location.Bucket;
}
