using System.Net;
using System.Net.Http.Headers;

namespace VectorDR.Qdrant.Http;

/// <summary>Computes how long to wait before the next attempt: server's Retry-After when given, else exponential backoff with jitter.</summary>
internal sealed class RetryTiming(TimeSpan baseDelay, TimeSpan maxDelay, TimeSpan maxRetryAfter, TimeProvider time)
{
    /// <summary>
    /// "Equal jitter": half of the exponential step is fixed, half random, so clients that failed together (a Qdrant
    /// restart) do not come back in lockstep, while the wait never collapses to zero.
    /// </summary>
    public TimeSpan Backoff(int failedAttempt)
    {
        var exponent = Math.Min(failedAttempt - 1, 30);
        var step = Math.Min(maxDelay.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(step / 2 + Random.Shared.NextDouble() * step / 2);
    }

    /// <summary>The delay before retrying after <paramref name="response"/>: Retry-After (seconds or HTTP date, capped) or backoff.</summary>
    public TimeSpan After(HttpResponseMessage response, int failedAttempt) =>
        RetryAfter(response.Headers.RetryAfter) is { } serverSaid ? serverSaid : Backoff(failedAttempt);

    public TimeSpan? RetryAfter(RetryConditionHeaderValue? header)
    {
        TimeSpan? wanted = header switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - time.GetUtcNow(),
            _ => null,
        };
        if (wanted is not { } w) return null;
        if (w < TimeSpan.Zero) return TimeSpan.Zero;
        return w > maxRetryAfter ? maxRetryAfter : w;
    }

    public static bool IsRetryableStatus(HttpStatusCode status) => (int)status switch
    {
        408 or 429 => true,
        // 501 Not Implemented, 505 HTTP Version Not Supported and 507 Insufficient Storage (Qdrant's disk quota) will
        // not change by asking again a few seconds later.
        501 or 505 or 507 => false,
        >= 500 and <= 599 => true,
        _ => false,
    };
}
