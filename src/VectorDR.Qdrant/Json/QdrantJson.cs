using System.Text.Json;
using System.Text.Json.Serialization;

namespace VectorDR.Qdrant.Json;

/// <summary>Serializer settings matching Qdrant's wire format, and the <c>{result,status,time[,usage]}</c> envelope.</summary>
internal static class QdrantJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // Optional request fields are omitted rather than sent as null: several of Qdrant's schemas do not allow null.
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
        // Unknown keys (usage, new fields of newer Qdrant versions) are ignored; that is the default, stated for the reader.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    /// <summary>
    /// The envelope's <c>result</c>, or default when it is absent or null (Qdrant omits it when there is nothing to say,
    /// e.g. 202 Accepted).
    /// </summary>
    public static T? ReadResult<T>(ReadOnlySpan<byte> body, string operation)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new QdrantProtocolException(operation, $"expected a JSON object envelope, got {document.RootElement.ValueKind}");
            return document.RootElement.TryGetProperty("result", out var result) && result.ValueKind != JsonValueKind.Null
                ? result.Deserialize<T>(Options)
                : default;
        }
        catch (JsonException e)
        {
            throw new QdrantProtocolException(operation, $"invalid JSON ({e.Message})", e);
        }
    }

    /// <summary>Like <see cref="ReadResult{T}"/> for endpoints whose answer must carry a result.</summary>
    public static T RequireResult<T>(ReadOnlySpan<byte> body, string operation) where T : class =>
        ReadResult<T>(body, operation) ?? throw new QdrantProtocolException(operation, "the response has no result");

    /// <summary>A body that is not enveloped (<c>GET /</c>).</summary>
    public static T ReadBare<T>(ReadOnlySpan<byte> body, string operation) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body, Options) ?? throw new QdrantProtocolException(operation, "the response is null");
        }
        catch (JsonException e)
        {
            throw new QdrantProtocolException(operation, $"invalid JSON ({e.Message})", e);
        }
    }
}
