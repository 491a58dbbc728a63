using System.Text;
using VectorDR.Core.Errors;

namespace VectorDR.Storage;

/// <summary>How the SDK computes and validates the optional flexible checksums (the SDK's two modes).</summary>
public enum S3ChecksumMode
{
    /// <summary>The SDK default: CRC checksums on every request. Many S3-compatible servers (Ceph RGW 16, older MinIO) reject these uploads.</summary>
    WhenSupported,

    /// <summary>Checksums only where the API requires them; use for S3-compatible servers.</summary>
    WhenRequired,
}

public enum S3EncryptionKind
{
    /// <summary><c>sse=AES256</c>: SSE-S3, keys managed by the server.</summary>
    S3Managed,

    /// <summary><c>sse=aws:kms</c> with an optional <c>kmsKeyId</c>.</summary>
    Kms,

    /// <summary><c>sse=sse-c</c>: a customer key read from the file named by <c>VECTORDR_SSE_C_KEY_FILE</c> (never in the location).</summary>
    CustomerKey,
}

/// <summary>Server-side encryption requested by a location.</summary>
public sealed record S3Encryption(S3EncryptionKind Kind, string? KmsKeyId = null);

/// <summary>A bucket and key prefix on an S3 (or S3-compatible) endpoint.</summary>
public sealed record S3Location : StorageLocation
{
    public const string DefaultRegion = "us-east-1";

    /// <summary>Environment variable naming the file that holds the SSE-C key (32 raw bytes or their base64).</summary>
    public const string SseCustomerKeyFileVariable = "VECTORDR_SSE_C_KEY_FILE";

    private static readonly string[] KnownKeys = ["endpoint", "region", "pathStyle", "checksum", "sse", "kmsKeyId"];

    public S3Location(string bucket, string prefix = "", Uri? endpoint = null, string region = DefaultRegion,
        bool? forcePathStyle = null, S3ChecksumMode checksum = S3ChecksumMode.WhenSupported, S3Encryption? encryption = null)
    {
        ValidateBucket(bucket);
        Bucket = bucket;
        Prefix = NormalizePrefix(prefix);
        Endpoint = endpoint is null ? null : ValidateEndpoint(endpoint.OriginalString);
        Region = string.IsNullOrWhiteSpace(region) ? DefaultRegion : region;
        // Custom endpoints (Ceph, MinIO, on-prem) rarely have wildcard DNS for virtual-hosted buckets.
        ForcePathStyle = forcePathStyle ?? Endpoint is not null;
        Checksum = checksum;
        Encryption = encryption;
    }

    public string Bucket { get; }

    /// <summary>Key prefix inside the bucket, without leading or trailing '/'; empty for the bucket root.</summary>
    public string Prefix { get; }

    /// <summary>The S3 endpoint; null means AWS's regional endpoint.</summary>
    public Uri? Endpoint { get; }

    public string Region { get; }

    public bool ForcePathStyle { get; }

    public S3ChecksumMode Checksum { get; }

    public S3Encryption? Encryption { get; }

    /// <summary>The full S3 key of a store key.</summary>
    public string FullKey(string key) => Prefix.Length == 0 ? key : $"{Prefix}/{key}";

    /// <summary>The store key of a full S3 key under <see cref="Prefix"/>.</summary>
    public string StoreKey(string fullKey) => Prefix.Length == 0 ? fullKey : fullKey[(Prefix.Length + 1)..];

    /// <summary>The S3 listing prefix for a store listing prefix.</summary>
    public string FullPrefix(string prefix) => Prefix.Length == 0 ? prefix : $"{Prefix}/{prefix}";

    public override string Display
    {
        get
        {
            var sb = new StringBuilder("s3://").Append(Bucket);
            if (Prefix.Length > 0) sb.Append('/').Append(Uri.EscapeDataString(Prefix).Replace("%2F", "/", StringComparison.Ordinal));
            var query = new List<string>();
            if (Endpoint is not null) query.Add("endpoint=" + Endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/'));
            query.Add("region=" + Uri.EscapeDataString(Region));
            query.Add("pathStyle=" + (ForcePathStyle ? "true" : "false"));
            query.Add("checksum=" + (Checksum == S3ChecksumMode.WhenRequired ? "when-required" : "when-supported"));
            if (Encryption is { } e)
            {
                query.Add("sse=" + e.Kind switch { S3EncryptionKind.S3Managed => "AES256", S3EncryptionKind.Kms => "aws:kms", _ => "sse-c" });
                if (e.KmsKeyId is not null) query.Add("kmsKeyId=" + Uri.EscapeDataString(e.KmsKeyId));
            }

            return sb.Append('?').AppendJoin('&', query).ToString();
        }
    }

    internal static S3Location FromUri(string text, Func<string, string?> environment)
    {
        var rest = text["s3://".Length..];
        var queryStart = rest.IndexOf('?');
        var pathPart = queryStart < 0 ? rest : rest[..queryStart];
        var query = ParseQuery(queryStart < 0 ? "" : rest[(queryStart + 1)..]);

        var slash = pathPart.IndexOf('/');
        var bucket = slash < 0 ? pathPart : pathPart[..slash];
        var prefix = slash < 0 ? "" : Uri.UnescapeDataString(pathPart[(slash + 1)..]);
        if (bucket.Contains('@', StringComparison.Ordinal))
        {
            // Do not echo anything: the part before '@' is probably a secret.
            throw new InvalidInputException(
                "storage location: credentials must not be part of an s3:// location; use AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a shared credentials file");
        }

        if (bucket.Length == 0) throw new InvalidInputException($"storage location '{text}': missing bucket name (s3://bucket/prefix)");

        var endpointText = query.GetValueOrDefault("endpoint") ?? NonEmpty(environment("AWS_ENDPOINT_URL_S3")) ?? NonEmpty(environment("AWS_ENDPOINT_URL"));
        var region = query.GetValueOrDefault("region") ?? NonEmpty(environment("AWS_REGION")) ?? NonEmpty(environment("AWS_DEFAULT_REGION")) ?? DefaultRegion;
        bool? pathStyle = query.TryGetValue("pathStyle", out var ps) ? ParseBool("pathStyle", ps) : null;
        var checksum = query.TryGetValue("checksum", out var cs) ? ParseChecksum(cs) : S3ChecksumMode.WhenSupported;
        var encryption = ParseEncryption(query);

        return new S3Location(bucket, prefix, endpointText is null ? null : ValidateEndpoint(endpointText), region, pathStyle, checksum, encryption);
    }

    private static Dictionary<string, string> ParseQuery(string query)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (query.Length == 0) return result;
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            var known = KnownKeys.FirstOrDefault(k => k.Equals(key, StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidInputException(
                    $"storage location: unknown query parameter '{key}' (known: {string.Join(", ", KnownKeys)})");
            if (value.Length == 0) throw new InvalidInputException($"storage location: query parameter '{known}' has no value");
            if (!result.TryAdd(known, value)) throw new InvalidInputException($"storage location: query parameter '{known}' is given twice");
        }

        return result;
    }

    private static bool ParseBool(string name, string value) => value.ToLowerInvariant() switch
    {
        "true" => true,
        "false" => false,
        _ => throw new InvalidInputException($"storage location: query parameter '{name}' must be true or false, not '{value}'"),
    };

    private static S3ChecksumMode ParseChecksum(string value) => value.ToLowerInvariant() switch
    {
        "when-supported" => S3ChecksumMode.WhenSupported,
        "when-required" => S3ChecksumMode.WhenRequired,
        _ => throw new InvalidInputException(
            $"storage location: query parameter 'checksum' must be when-supported or when-required, not '{value}'"),
    };

    private static S3Encryption? ParseEncryption(Dictionary<string, string> query)
    {
        var kmsKeyId = query.GetValueOrDefault("kmsKeyId");
        if (!query.TryGetValue("sse", out var sse))
        {
            return kmsKeyId is null ? null : throw new InvalidInputException("storage location: 'kmsKeyId' needs 'sse=aws:kms'");
        }

        var kind = sse.ToLowerInvariant() switch
        {
            "aws:kms" or "kms" => S3EncryptionKind.Kms,
            "aes256" => S3EncryptionKind.S3Managed,
            "sse-c" or "customer" => S3EncryptionKind.CustomerKey,
            _ => throw new InvalidInputException($"storage location: query parameter 'sse' must be aws:kms, AES256 or sse-c, not '{sse}'"),
        };
        if (kmsKeyId is not null && kind != S3EncryptionKind.Kms)
        {
            throw new InvalidInputException("storage location: 'kmsKeyId' is only valid with 'sse=aws:kms'");
        }

        return new S3Encryption(kind, kmsKeyId);
    }

    private static Uri ValidateEndpoint(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidInputException($"storage location: endpoint '{text}' is not an absolute http:// or https:// URL");
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new InvalidInputException("storage location: the endpoint must not contain credentials");
        }

        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            throw new InvalidInputException($"storage location: endpoint '{text}' must not have a query or fragment");
        }

        return uri;
    }

    /// <summary>S3's bucket naming rules (the subset every S3-compatible server accepts).</summary>
    private static void ValidateBucket(string bucket)
    {
        static bool IsLowerAlnum(char c) => c is >= 'a' and <= 'z' or >= '0' and <= '9';
        string? problem = bucket.Length is < 3 or > 63 ? "it must be 3 to 63 characters long"
            : !bucket.All(c => IsLowerAlnum(c) || c is '-' or '.') ? "it may contain only lower-case letters, digits, '-' and '.'"
            : !IsLowerAlnum(bucket[0]) || !IsLowerAlnum(bucket[^1]) ? "it must start and end with a letter or digit"
            : bucket.Contains("..", StringComparison.Ordinal) ? "it must not contain '..'"
            : null;
        if (problem is not null) throw new InvalidInputException($"storage location: invalid bucket name '{bucket}': {problem}");
    }

    private static string NormalizePrefix(string prefix)
    {
        var trimmed = prefix.Trim('/');
        if (trimmed.Length == 0) return "";
        try
        {
            ObjectKey.ValidatePrefix(trimmed);
        }
        catch (InvalidInputException ex)
        {
            throw new InvalidInputException($"storage location: {ex.Message}", ex);
        }

        return trimmed;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
