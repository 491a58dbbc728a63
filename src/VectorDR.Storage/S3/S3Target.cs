using Amazon.S3;

namespace VectorDR.Storage.S3;

/// <summary>Everything a transfer helper needs about the bucket it works on.</summary>
internal sealed record S3Target(IAmazonS3 Client, S3Location Location, S3Requests Requests, S3EncryptionHeaders Encryption, S3TransferOptions Transfer)
{
    public string Bucket => Location.Bucket;

    /// <summary>
    /// Whether request bodies go out unsigned (<c>UNSIGNED-PAYLOAD</c>): over TLS, as the AWS CLI does. SigV4 would
    /// otherwise hash every byte once more for the signature, on top of the SHA-256 the manifest records, while TLS
    /// already protects the body in transit. Over plain http the signature is the body's only protection, so it stays
    /// (the SDK refuses unsigned payloads there anyway). No endpoint means AWS itself: https.
    /// </summary>
    public bool UnsignedPayload => Location.Endpoint is null || Location.Endpoint.Scheme == Uri.UriSchemeHttps;
}
