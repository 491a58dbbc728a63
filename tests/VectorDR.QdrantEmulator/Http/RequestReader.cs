using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VectorDR.QdrantEmulator.Http;

/// <summary>Reads request bodies and query parameters with Qdrant's error semantics (400 for shape, 422 for values).</summary>
internal static class RequestReader
{
    /// <summary>Qdrant's default <c>service.max_request_size_mb</c> for JSON bodies.</summary>
    public const long MaxJsonBodyBytes = 32L * 1024 * 1024;

    /// <summary>
    /// Reads a required JSON object body, like actix's <c>Json&lt;T&gt;</c> extractor: the content type must be JSON
    /// and an empty body is a deserialisation error (a client that omits either fails against real Qdrant too).
    /// </summary>
    public static async Task<JsonObject> ReadObjectAsync(HttpContext context, CancellationToken ct)
    {
        if (!context.Request.HasJsonContentType())
        {
            throw new QdrantApiException(400, "Content type error");
        }

        if (context.Request.ContentLength is > MaxJsonBodyBytes)
        {
            throw QdrantApiException.JsonFormat($"JSON payload ({context.Request.ContentLength} bytes) is larger than allowed (limit: {MaxJsonBodyBytes} bytes).");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxJsonBodyBytes)
            {
                throw QdrantApiException.JsonFormat($"JSON payload is larger than allowed (limit: {MaxJsonBodyBytes} bytes).");
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            throw QdrantApiException.JsonFormat("EOF while parsing a value at line 1 column 0");
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length).Span);
        }
        catch (JsonException e)
        {
            throw QdrantApiException.JsonFormat(e.Message);
        }

        return node as JsonObject ?? throw QdrantApiException.JsonFormat("invalid type: expected a JSON object");
    }

    public static bool QueryBool(HttpContext context, string name, bool fallback)
    {
        var raw = context.Request.Query[name];
        if (raw.Count == 0)
        {
            return fallback;
        }

        return raw.ToString() switch
        {
            "true" => true,
            "false" => false,
            var other => throw QdrantApiException.QueryFormat($"{name}: provided string was not `true` or `false` ({other})"),
        };
    }

    public static string? QueryString(HttpContext context, string name)
    {
        var raw = context.Request.Query[name];
        return raw.Count == 0 ? null : raw.ToString();
    }

    public static uint ParseShardId(string text) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new QdrantApiException(400, $"Path deserialize error: can not parse \"{text}\" to a u32");

    public static string? OptionalString(JsonObject body, string field)
    {
        var node = body[field];
        if (node is null)
        {
            return null;
        }

        return node is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>()
            : throw QdrantApiException.JsonFormat($"invalid type for `{field}`, expected a string");
    }

    public static bool OptionalBool(JsonObject body, string field, bool fallback)
    {
        var node = body[field];
        if (node is null)
        {
            return fallback;
        }

        return node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw QdrantApiException.JsonFormat($"invalid type for `{field}`, expected a boolean"),
        };
    }

    /// <summary>Reads an optional unsigned integer; values below <paramref name="minimum"/> are 422 like Qdrant's validator.</summary>
    public static long? OptionalUInt(JsonObject body, string field, long minimum)
    {
        var node = body[field];
        if (node is null)
        {
            return null;
        }

        if (!JsonNumber.TryGetInt64(node, out var value) || value < 0)
        {
            throw QdrantApiException.JsonFormat($"invalid value for `{field}`, expected usize");
        }

        if (value < minimum)
        {
            throw QdrantApiException.Validation("JSON body", $"{field}: value {value} invalid, must be {minimum} or larger");
        }

        return value;
    }

    /// <summary>SHA-256 hex checksum parameter: exactly 64 hex chars, else 422 (Qdrant's validator).</summary>
    public static string? ValidateChecksum(string? checksum, string where)
    {
        if (checksum is null)
        {
            return null;
        }

        var trimmed = checksum.Trim();
        if (trimmed.Length != 64 || !trimmed.All(char.IsAsciiHexDigit))
        {
            throw QdrantApiException.Validation(where, "checksum: value is not a valid SHA256 hash (64 hexadecimal characters)");
        }

        return trimmed.ToLowerInvariant();
    }

    /// <summary>Collection-name rules of Qdrant: strict ones for create/upload, lenient ones elsewhere.</summary>
    public static void ValidateCollectionName(string name, bool strict)
    {
        if (name.Length is < 1 or > 255)
        {
            throw QdrantApiException.Validation("path parameters", "collection_name: length must be between 1 and 255");
        }

        var forbidden = strict ? "<>:\"/\\|?*\0\u001f" : "/\0";
        var bad = name.FirstOrDefault(c => forbidden.Contains(c));
        if (bad != default || name.Contains('\0'))
        {
            throw QdrantApiException.Validation("path parameters",
                $"collection_name: collection name cannot contain \"{bad}\" char");
        }
    }
}
