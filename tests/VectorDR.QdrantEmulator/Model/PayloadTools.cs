using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VectorDR.QdrantEmulator.Model;

/// <summary>Helpers over payloads stored as compact UTF-8 JSON objects.</summary>
internal static class PayloadTools
{
    public static byte[]? Encode(JsonNode? payload) => payload switch
    {
        null => null,
        JsonObject obj => Encoding.UTF8.GetBytes(obj.ToJsonString()),
        _ => throw Http.QdrantApiException.JsonFormat("invalid type: payload must be a JSON object"),
    };

    /// <summary>Whether the payload object has <paramref name="key"/> at top level (scans without building a DOM).</summary>
    public static bool HasTopLevelKey(byte[] payload, string key)
    {
        var reader = new Utf8JsonReader(payload);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(key))
            {
                return true;
            }

            reader.Read();
            reader.Skip();
        }

        return false;
    }

    /// <summary>Writes the payload, optionally restricted to included keys or with excluded keys removed.</summary>
    public static void Write(Utf8JsonWriter writer, byte[] payload, PayloadSelector selector)
    {
        if (selector.Include is null && selector.Exclude is null)
        {
            writer.WriteRawValue(payload, skipInputValidation: true);
            return;
        }

        var obj = JsonNode.Parse(payload) as JsonObject ?? new JsonObject();
        writer.WriteStartObject();
        foreach (var (key, value) in obj)
        {
            var included = selector.Include?.Contains(key) ?? true;
            var excluded = selector.Exclude?.Contains(key) ?? false;
            if (included && !excluded)
            {
                writer.WritePropertyName(key);
                if (value is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    value.WriteTo(writer);
                }
            }
        }

        writer.WriteEndObject();
    }
}

/// <summary><c>with_payload</c>: false, true, a key list, or <c>{include|exclude}</c>.</summary>
internal sealed record PayloadSelector(bool Enabled, HashSet<string>? Include, HashSet<string>? Exclude)
{
    public static PayloadSelector Parse(JsonNode? node, bool fallback)
    {
        switch (node)
        {
            case null:
                return new PayloadSelector(fallback, null, null);
            case JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                return new PayloadSelector(v.GetValue<bool>(), null, null);
            case JsonArray keys:
                return new PayloadSelector(true, Keys(keys), null);
            case JsonObject obj when obj["include"] is JsonArray include:
                return new PayloadSelector(true, Keys(include), null);
            case JsonObject obj when obj["exclude"] is JsonArray exclude:
                return new PayloadSelector(true, null, Keys(exclude));
            default:
                throw Http.QdrantApiException.JsonFormat("data did not match any variant of untagged enum WithPayloadInterface");
        }
    }

    private static HashSet<string> Keys(JsonArray keys) =>
        keys.Select(k => k is JsonValue v && v.GetValueKind() == JsonValueKind.String
                ? v.GetValue<string>()
                : throw Http.QdrantApiException.JsonFormat("invalid type: expected a string key"))
            .ToHashSet(StringComparer.Ordinal);
}

/// <summary><c>with_vector</c>: false, true, or a list of vector names.</summary>
internal sealed record VectorSelector(bool Enabled, HashSet<string>? Names)
{
    public static VectorSelector Parse(JsonNode? node, bool fallback) => node switch
    {
        null => new VectorSelector(fallback, null),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => new VectorSelector(v.GetValue<bool>(), null),
        JsonArray names => new VectorSelector(true, names.Select(n => n?.GetValue<string>() ?? string.Empty).ToHashSet(StringComparer.Ordinal)),
        _ => throw Http.QdrantApiException.JsonFormat("data did not match any variant of untagged enum WithVector"),
    };
}
