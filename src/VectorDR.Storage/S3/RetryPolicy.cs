using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;

namespace VectorDR.Storage.S3;

/// <summary>
/// Retries one S3 request (a part, a range, a HEAD) on transient failures with exponential backoff and full jitter.
/// The SDK's own retries are switched off (MaxErrorRetry = 0) so that this is the only retry loop: its budget is per
/// request rather than a client-wide token bucket, and every retry is logged.
/// </summary>
internal sealed class RetryPolicy(int maxRetries, TimeSpan baseDelay, ILogger logger)
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(20);

    private static readonly HashSet<string> TransientCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "SlowDown", "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled", "TooManyRequestsException",
        "RequestLimitExceeded", "RequestTimeout", "RequestTimeoutException", "InternalError", "ServiceUnavailable",
        "PriorRequestNotComplete", "BandwidthLimitExceeded", "EC2ThrottledException", "IDPCommunicationError",
        "RequestTimeTooSkewed", // the SDK corrects its clock offset from this very response, so the retry is signed right
    };

    public int MaxRetries => maxRetries;

    public async Task<T> ExecuteAsync<T>(string what, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await action(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt < maxRetries && IsTransient(ex, cancellationToken))
            {
                var delay = Backoff(attempt);
                logger.LogWarning("S3 {What} failed ({Reason}); retry {Attempt}/{Max} in {Delay} ms",
                    what, Describe(ex), attempt + 1, maxRetries, (int)delay.TotalMilliseconds);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public static bool IsTransient(Exception ex, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return false;
        // A certificate that is not trusted now will not be on the next attempt.
        if (TlsFailure(ex) is not null) return false;
        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case AmazonServiceException s when (int)s.StatusCode >= 500 || s.StatusCode == HttpStatusCode.TooManyRequests
                                                   || (s.ErrorCode is { } code && TransientCodes.Contains(code)):
                    return true;
                case AmazonServiceException { StatusCode: HttpStatusCode.BadRequest, ErrorCode: null or "" or "BadRequest" }:
                    // A 400 without an S3 error document is not S3 rejecting the request but the connection being out of
                    // step: Ceph RGW answers a refused PUT before reading its body and then parses the leftover body as the
                    // next request on that keep-alive connection. The retry goes out on a fresh connection.
                    return true;
                case AmazonServiceException { StatusCode: > 0 and < HttpStatusCode.InternalServerError } s
                    when s.InnerException is null:
                    return false; // a definite answer from the server (403, 404, 400 ...): retrying will not help
                case HttpRequestException or IOException or SocketException:
                    return true; // connection refused/reset/closed mid-body
                case OperationCanceledException:
                    return true; // the per-request timeout (our own token is not cancelled, checked above)
            }
        }

        return false;
    }

    private TimeSpan Backoff(int attempt)
    {
        var cap = Math.Min(MaxDelay.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, attempt));
        // "full jitter": spreads retries of parallel parts so they do not hit a throttled server in lock-step
        return TimeSpan.FromMilliseconds(cap / 2 + Random.Shared.NextDouble() * cap / 2);
    }

    internal static string Describe(Exception ex) => ex switch
    {
        AmazonServiceException { ErrorCode: { Length: > 0 } code } s => $"{code}, HTTP {(int)s.StatusCode}",
        AmazonServiceException s when s.StatusCode > 0 => $"HTTP {(int)s.StatusCode}",
        _ => Innermost(ex).Message,
    };

    /// <summary>The TLS handshake failure behind <paramref name="ex"/>, if that is what it is.</summary>
    internal static System.Security.Authentication.AuthenticationException? TlsFailure(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is System.Security.Authentication.AuthenticationException tls) return tls;
        }
        return null;
    }

    internal static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null) ex = ex.InnerException;
        return ex;
    }
}
