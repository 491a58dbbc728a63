using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VectorDR.Core;

/// <summary>
/// Qdrant's <c>ExtendedPointId</c>: an unsigned 64-bit integer or a UUID string. Serialised exactly as Qdrant does
/// (a JSON number or a JSON string), so ids round-trip through manifests and the REST API unchanged.
/// </summary>
[JsonConverter(typeof(PointIdJsonConverter))]
public readonly record struct PointId
{
    private PointId(ulong? number, Guid? uuid) { Number = number; Uuid = uuid; }

    public ulong? Number { get; }
    public Guid? Uuid { get; }

    public static PointId FromNumber(ulong value) => new(value, null);
    public static PointId FromUuid(Guid value) => new(null, value);

    public override string ToString() =>
        Number is { } n ? n.ToString(CultureInfo.InvariantCulture) : Uuid!.Value.ToString("D");

    public static PointId Parse(string text) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? FromNumber(n)
        : Guid.TryParse(text, out var g) ? FromUuid(g)
        : throw new FormatException($"'{text}' is neither an unsigned integer nor a UUID point id");
}

public sealed class PointIdJsonConverter : JsonConverter<PointId>
{
    public override PointId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Number => PointId.FromNumber(reader.GetUInt64()),
            JsonTokenType.String => PointId.FromUuid(Guid.Parse(reader.GetString()!)),
            _ => throw new JsonException($"A point id must be a number or a UUID string, not {reader.TokenType}"),
        };

    public override void Write(Utf8JsonWriter writer, PointId value, JsonSerializerOptions options)
    {
        if (value.Number is { } n) writer.WriteNumberValue(n);
        else writer.WriteStringValue(value.Uuid!.Value.ToString("D"));
    }
}
