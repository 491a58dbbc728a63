using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VectorDR.QdrantEmulator.Http;

/// <summary>
/// Integer reading that works for both parsed nodes (JsonElement-backed) and nodes built in code (CLR-value-backed),
/// where <c>JsonValue.TryGetValue&lt;long&gt;</c> fails on an <c>int</c>-backed value.
/// </summary>
internal static class JsonNumber
{
    public static bool TryGetInt64(JsonNode? node, out long value)
    {
        value = 0;
        return node is JsonValue v && v.GetValueKind() == JsonValueKind.Number &&
               long.TryParse(v.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    public static bool TryGetUInt64(JsonNode? node, out ulong value)
    {
        value = 0;
        return node is JsonValue v && v.GetValueKind() == JsonValueKind.Number &&
               ulong.TryParse(v.ToJsonString(), NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
