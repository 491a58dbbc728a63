using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using VectorDR.QdrantEmulator.Http;

namespace VectorDR.QdrantEmulator.Model;

/// <summary>
/// Qdrant's <c>ExtendedPointId</c>: an unsigned 64-bit number or a UUID. Ordering follows Qdrant's derived
/// <c>Ord</c> on the enum: every numeric id sorts before every UUID; UUIDs compare by their 128-bit value.
/// </summary>
public readonly record struct PointId(bool IsUuid, ulong Number, UInt128 Uuid) : IComparable<PointId>
{
    public static PointId FromNumber(ulong number) => new(false, number, UInt128.Zero);

    public static PointId FromGuid(Guid guid)
    {
        // Guid.ToString("N") is the canonical big-endian hex form, which is how Qdrant orders UUIDs.
        return new PointId(true, 0, UInt128.Parse(guid.ToString("N"), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }

    public int CompareTo(PointId other)
    {
        if (IsUuid != other.IsUuid)
        {
            return IsUuid ? 1 : -1;
        }

        return IsUuid ? Uuid.CompareTo(other.Uuid) : Number.CompareTo(other.Number);
    }

    /// <summary>A stable value used to route a point to a shard (same id, same shard, every run).</summary>
    public ulong RoutingKey => IsUuid ? (ulong)(Uuid ^ (Uuid >> 64)) : Number;

    public override string ToString() => IsUuid ? FormatUuid() : Number.ToString(CultureInfo.InvariantCulture);

    private string FormatUuid()
    {
        var hex = Uuid.ToString("x32", CultureInfo.InvariantCulture);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    public void WriteTo(Utf8JsonWriter writer)
    {
        if (IsUuid)
        {
            writer.WriteStringValue(FormatUuid());
        }
        else
        {
            writer.WriteNumberValue(Number);
        }
    }

    /// <summary>Parses a JSON id the way serde's untagged <c>ExtendedPointId</c> does (400 on anything else).</summary>
    public static PointId Parse(JsonNode? node)
    {
        if (node is JsonValue value)
        {
            if (JsonNumber.TryGetUInt64(value, out var number))
            {
                return FromNumber(number);
            }

            if (value.GetValueKind() == JsonValueKind.String && Guid.TryParse(value.GetValue<string>(), out var guid))
            {
                return FromGuid(guid);
            }
        }

        throw QdrantApiException.JsonFormat("data did not match any variant of untagged enum ExtendedPointId");
    }

    /// <summary>Parses an id given in a URL path segment.</summary>
    public static PointId ParsePath(string text)
    {
        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return FromNumber(number);
        }

        if (Guid.TryParse(text, out var guid))
        {
            return FromGuid(guid);
        }

        throw new QdrantApiException(400, $"Wrong input: Can't parse point id {text}");
    }
}
