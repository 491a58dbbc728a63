using System.Text.RegularExpressions;

namespace VectorDR.Operator.Validation;

/// <summary>A parsed storage location URL (see StorageLocation.Location's description for the syntax).</summary>
public sealed record ParsedLocation(string Scheme, string? Bucket, string Prefix, string? Path, IReadOnlyDictionary<string, string> Options)
{
    public bool IsS3 => Scheme == "s3";

    /// <summary>A file:// location's folder as a pod sees it (unescaped, no trailing slash; "" for the root); null for s3://.</summary>
    public string? Folder => Path is null ? null : Uri.UnescapeDataString(Path).TrimEnd('/');
}

/// <summary>Parses and checks location URLs; the errors name what is wrong so a status message can quote them.</summary>
public static partial class StorageLocationParser
{
    private static readonly HashSet<string> KnownS3Keys = ["endpoint", "region", "pathStyle", "checksum"];

    public static bool TryParse(string location, out ParsedLocation? parsed, out string error)
    {
        parsed = null;
        error = "";
        if (location.StartsWith("s3://", StringComparison.Ordinal)) return TryParseS3(location, out parsed, out error);
        if (location.StartsWith("file://", StringComparison.Ordinal)) return TryParseFile(location, out parsed, out error);
        error = "scheme must be s3:// or file://";
        return false;
    }

    private static bool TryParseS3(string location, out ParsedLocation? parsed, out string error)
    {
        parsed = null;
        var rest = location["s3://".Length..];
        var queryAt = rest.IndexOf('?');
        var query = queryAt >= 0 ? rest[(queryAt + 1)..] : "";
        var path = queryAt >= 0 ? rest[..queryAt] : rest;
        var slash = path.IndexOf('/');
        var bucket = slash >= 0 ? path[..slash] : path;
        var prefix = slash >= 0 ? path[(slash + 1)..].Trim('/') : "";
        if (bucket.Contains('@'))
        {
            // Never echo it: the part before @ is most likely an access key and secret.
            error = "credentials do not belong in the location URL; use credentialsSecretRef";
            return false;
        }
        if (bucket.Length == 0)
        {
            error = "bucket is missing (expected s3://BUCKET/PREFIX)";
            return false;
        }
        if (!BucketName().IsMatch(bucket))
        {
            error = $"\"{bucket}\" is not a valid bucket name (3-63 lowercase letters, digits, dots and hyphens)";
            return false;
        }

        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var key = Uri.UnescapeDataString(eq >= 0 ? pair[..eq] : pair);
            var value = eq >= 0 ? Uri.UnescapeDataString(pair[(eq + 1)..]) : "";
            if (!KnownS3Keys.Contains(key))
            {
                error = $"unknown query key \"{key}\" (known: {string.Join(", ", KnownS3Keys)})";
                return false;
            }
            options[key] = value;
        }

        if (options.TryGetValue("endpoint", out var endpoint) &&
            (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            error = $"endpoint \"{endpoint}\" is not an http(s) URL";
            return false;
        }
        if (options.TryGetValue("pathStyle", out var pathStyle) && pathStyle is not ("true" or "false"))
        {
            error = $"pathStyle must be true or false, not \"{pathStyle}\"";
            return false;
        }
        if (options.TryGetValue("checksum", out var checksum) && checksum is not ("when-required" or "when-supported"))
        {
            error = $"checksum must be when-required or when-supported, not \"{checksum}\"";
            return false;
        }

        parsed = new ParsedLocation("s3", bucket, prefix, null, options);
        error = "";
        return true;
    }

    private static bool TryParseFile(string location, out ParsedLocation? parsed, out string error)
    {
        parsed = null;
        var rest = location["file://".Length..];
        if (!rest.StartsWith('/'))
        {
            error = "a file location needs an absolute path (file:///PATH)";
            return false;
        }
        if (rest.Contains('?'))
        {
            error = "a file location takes no query";
            return false;
        }
        if (rest.Split('/').Contains(".."))
        {
            error = "a file location may not contain ..";
            return false;
        }
        parsed = new ParsedLocation("file", null, "", rest, new Dictionary<string, string>());
        error = "";
        return true;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();
}
