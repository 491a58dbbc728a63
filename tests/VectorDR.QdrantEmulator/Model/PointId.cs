using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using VectorDR.QdrantEmulator.Http;

namespace VectorDR.QdrantEmulator.Model;

/// <summary>
/// Qdrant's <c>ExtendedPointId</c>: an unsigned 64-bit number or a UUID. Ordering follows Qdrant's derived
/// <c>Ord</c> on the enum: every numeric id sorts before every UUID; UUIDs compare by their 128-bit value.
/// Stored as two <c>ulong</c>s plus a flag (24 bytes, where a <c>UInt128</c> field would pad it to 48): ids
/// are kept twice per point (dictionary key and point), which matters for collections of millions of points.
/// </summary>
internal readonly record struct PointId : IComparable<PointId>
{
    private readonly ulong _high;
    private readonly ulong _low;

    public PointId(bool isUuid, ulong number, UInt128 uuid)
    {
        IsUuid = isUuid;
        _high = isUuid ? (ulong)(uuid >> 64) : 0;
        _low = isUuid ? (ulong)uuid : number;
    }

    public bool IsUuid { get; }

    /// <summary>The numeric id (0 for UUIDs).</summary>
    public ulong Number => IsUuid ? 0 : _low;

    /// <summary>The UUID as a 128-bit big-endian value (0 for numeric ids).</summary>
    public UInt128 Uuid => IsUuid ? new UInt128(_high, _low) : UInt128.Zero;

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

        var high = _high.CompareTo(other._high);
        return high != 0 ? high : _low.CompareTo(other._low);
    }

    /// <summary>A stable value used to route a point to a shard (same id, same shard, every run).</summary>
    public ulong RoutingKey => _high ^ _low;

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
