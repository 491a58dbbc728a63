using System.Net.Http.Headers;

namespace VectorDR.Qdrant.Http;

/// <summary>
/// One logical call to Qdrant. It is a recipe rather than an <see cref="HttpRequestMessage"/> because every retry needs
/// a fresh message (and fresh content).
/// </summary>
internal sealed record QdrantRequest(HttpMethod Method, string Path, RetryPolicy Retry)
{
    /// <summary>Already-escaped query string without '?', or null.</summary>
    public string? Query { get; init; }

    /// <summary>Builds the body for one attempt; null for no body.</summary>
    public Func<HttpContent>? Content { get; init; }

    /// <summary>False once a body that cannot be replayed (a caller's stream) has been partly consumed.</summary>
    public Func<bool>? CanResend { get; init; }

    public Action<HttpRequestHeaders>? ConfigureHeaders { get; init; }

    /// <summary>
    /// A delete that is retried after an attempt whose outcome is unknown may find the thing already gone — deleted by
    /// that very attempt. Then 404 means done rather than failure.
    /// </summary>
    public bool NotFoundAfterUnknownOutcomeMeansDone { get; init; }

    /// <summary>Human form used in logs and exceptions, e.g. <c>GET /collections/docs</c> (no query: it may carry secrets one day).</summary>
    public string Operation => $"{Method.Method} {Path}";

    public string PathAndQuery => Query is null ? Path : $"{Path}?{Query}";
}
