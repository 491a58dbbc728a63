using System.Net;
using System.Text;
using System.Text.Json;

namespace VectorDR.Qdrant.Http;

/// <summary>
/// Turns a non-2xx answer into <see cref="QdrantApiException"/> carrying Qdrant's own words: the error envelope's
/// <c>status.error</c>, or the body text for plain-text answers (401 from the auth middleware, file-server 404s, proxies).
/// </summary>
internal static class QdrantErrorReader
{
    // An error body is a short envelope; an HTML page from a proxy may be long. Never read more than this.
    private const int MaxBodyBytes = 16 * 1024;
    private const int MaxMessageChars = 1000;

    public static async Task<QdrantApiException> ReadAsync(HttpResponseMessage response, string operation, int attempts,
        string? apiKey, CancellationToken cancellationToken)
    {
        var body = await ReadCappedAsync(response.Content, cancellationToken).ConfigureAwait(false);
        var message = Redaction.Scrub(MessageFrom(body, response.StatusCode, response.ReasonPhrase), apiKey);
        return new QdrantApiException(operation, response.StatusCode, message, attempts);
    }

    internal static string MessageFrom(string body, HttpStatusCode status, string? reasonPhrase)
    {
        var trimmed = body.Trim();
        if (trimmed.Length == 0) return reasonPhrase ?? status.ToString();
        if (trimmed[0] == '{' && TryEnvelopeError(trimmed) is { } fromEnvelope) return fromEnvelope;
        return trimmed.Length <= MaxMessageChars ? trimmed : trimmed[..MaxMessageChars] + "…";
    }

    /// <summary><c>{"status":{"error":"…"}}</c>, or <c>{"status":"already_in_progress"}</c>-style string statuses.</summary>
    private static string? TryEnvelopeError(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object ||
                !document.RootElement.TryGetProperty("status", out var status)) return null;
            return status.ValueKind switch
            {
                JsonValueKind.Object when status.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String
                    => error.GetString(),
                JsonValueKind.String => status.GetString(),
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<string> ReadCappedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[MaxBodyBytes];
            var total = 0;
            int read;
            while (total < buffer.Length &&
                   (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
                total += read;
            return Encoding.UTF8.GetString(buffer, 0, total);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            // The status code is the important part; a body lost to a connection drop must not hide it.
            return "";
        }
    }
}
