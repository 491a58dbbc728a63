using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using VectorDR.Core.Errors;

namespace VectorDR.Storage.S3;

/// <summary>
/// Turns SDK exceptions into messages a person can act on: which bucket, which endpoint, what went wrong.
/// Never includes credentials (not even the access key id) and never the server's text for credential errors.
/// </summary>
internal sealed partial class S3ErrorTranslator(S3Location location)
{
    private static readonly HashSet<string> CredentialCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "TokenRefreshRequired",
        "InvalidSecurity", "AuthorizationHeaderMalformed", "InvalidClientTokenId", "UnrecognizedClientException",
    };

    /// <summary>The endpoint as named in messages.</summary>
    public string Endpoint { get; } = location.Endpoint is { } e ? e.GetLeftPart(UriPartial.Authority) : $"AWS S3 ({location.Region})";

    /// <summary>
    /// A <see cref="VectorDRException"/> for <paramref name="ex"/>, or null when it is not an S3/transport error
    /// (cancellation, a bug) and must propagate unchanged. <paramref name="action"/> reads like "write 'key' to".
    /// </summary>
    public VectorDRException? Translate(Exception ex, string action, string? key = null)
    {
        var where = location.Display;
        switch (ex)
        {
            case VectorDRException v:
                return v;
            case AmazonS3Exception s when s.ErrorCode == "NoSuchBucket" || (s.StatusCode == HttpStatusCode.NotFound && key is null && s.ErrorCode is null or "NotFound"):
                return new StorageException($"{where}: bucket '{location.Bucket}' does not exist at {Endpoint}", ErrorKind.InvalidInput, ex);
            case AmazonS3Exception s when key is not null && s.ErrorCode is "NoSuchKey" or "NotFound":
                return new ObjectNotFoundException(where, key);
            case AmazonServiceException s when s.ErrorCode is { } code && CredentialCodes.Contains(code):
                return new StorageException(
                    $"{where}: could not {action} bucket '{location.Bucket}': the credentials were rejected by the endpoint {Endpoint} ({code}); " +
                    "check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the shared credentials profile",
                    ErrorKind.OperationFailed, ex);
            case AmazonServiceException s when s.ErrorCode is "AccessDenied" or "AllAccessDisabled" or "Forbidden" || s.StatusCode == HttpStatusCode.Forbidden:
                return new StorageException(
                    $"{where}: no permission to {action} bucket '{location.Bucket}' ({s.ErrorCode ?? "HTTP 403"}; the credentials were accepted by {Endpoint} but are not allowed to do this)",
                    ErrorKind.OperationFailed, ex);
            // "Object Lock" by name: a bare "lock" would also match "block" or "clock" in an unrelated InvalidRequest.
            case AmazonServiceException s when s.ErrorCode is "InvalidRequest" or "InvalidBucketState" && ObjectLockMention().IsMatch(s.Message ?? ""):
                return ObjectLockNotEnabled(ex);
            case AmazonServiceException s when s.StatusCode > 0:
                return new StorageException(
                    $"{where}: could not {action} bucket '{location.Bucket}': {s.ErrorCode ?? "error"} (HTTP {(int)s.StatusCode}) {s.Message}".TrimEnd(),
                    ErrorKind.OperationFailed, ex);
            case AmazonClientException or HttpRequestException or IOException when RetryPolicy.TlsFailure(ex) is { } tls:
                return new StorageException(
                    $"{where}: could not {action} bucket '{location.Bucket}': TLS with the endpoint {Endpoint} failed ({RetryPolicy.Innermost(tls).Message}); " +
                    "if its certificate comes from a private CA, set AWS_CA_BUNDLE to that CA's PEM file",
                    ErrorKind.OperationFailed, ex);
            case AmazonClientException or HttpRequestException or IOException or System.Net.Sockets.SocketException:
            case AmazonServiceException:
                return new StorageException(
                    $"{where}: could not {action} bucket '{location.Bucket}': the connection to the endpoint {Endpoint} failed ({RetryPolicy.Innermost(ex).Message})",
                    ErrorKind.OperationFailed, ex);
            case OperationCanceledException:
                return null;
            default:
                return null;
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"object\s?lock", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex ObjectLockMention();

    public StorageException ObjectLockNotEnabled(Exception? inner = null) => new(
        $"{location.Display}: bucket '{location.Bucket}' does not have Object Lock enabled, so objects cannot be written with a retention lock " +
        "(Object Lock can only be enabled when a bucket is created; create a new bucket with Object Lock, or drop the lock setting)",
        ErrorKind.InvalidInput, inner);
}
