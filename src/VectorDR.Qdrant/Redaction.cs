namespace VectorDR.Qdrant;

/// <summary>
/// Renders values that may carry secrets (API keys, pre-signed URL signatures, user:password in an endpoint) in a
/// form that is safe for logs, exception messages and ToString.
/// </summary>
internal static class Redaction
{
    private const string Hidden = "***";

    public static string Secret(string? value) => value is null ? "null" : Hidden;

    /// <summary>Scheme, host, port and path only: drops user info, the query (signatures) and the fragment.</summary>
    public static string Url(Uri url) =>
        url.IsAbsoluteUri ? url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) : Hidden;

    /// <summary>A recovery location: an absolute URL is shortened by <see cref="Url"/>, a bare file name is kept.</summary>
    public static string Location(string location) =>
        Uri.TryCreate(location, UriKind.Absolute, out var url) ? Url(url) : location;

    /// <summary>Removes every occurrence of <paramref name="secret"/> from text that came from the server.</summary>
    public static string Scrub(string text, string? secret) =>
        string.IsNullOrEmpty(secret) ? text : text.Replace(secret, Hidden, StringComparison.Ordinal);
}
