using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using VectorDR.QdrantEmulator.Model;

namespace VectorDR.QdrantEmulator.Snapshots;

/// <summary>
/// The emulator's private segment file format (API-NOTES §7.2 leaves segment internals to the emulator).
/// A segment holds up to <c>SegmentPoints</c> points in ascending id order; the bytes depend only on the points,
/// so an unchanged shard always produces byte-identical segments. Little-endian:
/// <code>
/// "VDRSEG01" | i32 vectorSlots | per slot: i32 nameLen, utf8 name, i32 dim | i32 pointCount
/// per point: u8 idKind(0 num, 1 uuid) | u64 num or 16-byte uuid (big-endian) | u64 version
///            | per slot: i32 length (-1 = absent) + floats | i32 payloadLen (-1 = none) + utf8 JSON
/// </code>
/// </summary>
internal static class SegmentCodec
{
    private static readonly byte[] Magic = "VDRSEG01"u8.ToArray();

    public static long SizeOf(IReadOnlyList<VectorSpec> slots, ReadOnlySpan<StoredPoint> points)
    {
        long size = Magic.Length + 4 + 4;
        foreach (var slot in slots)
        {
            size += 4 + Encoding.UTF8.GetByteCount(slot.Name) + 4;
        }

        foreach (var point in points)
        {
            size += 1 + (point.Id.IsUuid ? 16 : 8) + 8 + 4 + (point.Payload?.Length ?? 0);
            for (var s = 0; s < slots.Count; s++)
            {
                size += 4 + (long)(s < point.Vectors.Length && point.Vectors[s] is { } v ? v.Length * 4 : 0);
            }
        }

        return size;
    }

    public static async ValueTask WriteAsync(BlockWriter output, IReadOnlyList<VectorSpec> slots, ArraySegment<StoredPoint> points, CancellationToken ct)
    {
        await output.WriteAsync(Magic, ct);
        await output.WriteInt32Async(slots.Count, ct);
        foreach (var slot in slots)
        {
            var name = Encoding.UTF8.GetBytes(slot.Name);
            await output.WriteInt32Async(name.Length, ct);
            await output.WriteAsync(name, ct);
            await output.WriteInt32Async(slot.Size, ct);
        }

        await output.WriteInt32Async(points.Count, ct);
        var idBytes = new byte[17];
        foreach (var point in points)
        {
            if (point.Id.IsUuid)
            {
                idBytes[0] = 1;
                BinaryPrimitives.WriteUInt128BigEndian(idBytes.AsSpan(1), point.Id.Uuid);
                await output.WriteAsync(idBytes.AsSpan(0, 17), ct);
            }
            else
            {
                idBytes[0] = 0;
                BinaryPrimitives.WriteUInt64LittleEndian(idBytes.AsSpan(1), point.Id.Number);
                await output.WriteAsync(idBytes.AsSpan(0, 9), ct);
            }

            await output.WriteUInt64Async(point.Version, ct);
            for (var s = 0; s < slots.Count; s++)
            {
                if (s < point.Vectors.Length && point.Vectors[s] is { } vector)
                {
                    await output.WriteInt32Async(vector.Length, ct);
                    await output.WriteFloatsAsync(vector, ct);
                }
                else
                {
                    await output.WriteInt32Async(-1, ct);
                }
            }

            if (point.Payload is { } payload)
            {
                await output.WriteInt32Async(payload.Length, ct);
                await output.WriteAsync(payload, ct);
            }
            else
            {
                await output.WriteInt32Async(-1, ct);
            }
        }
    }

    /// <summary>Reads a segment, mapping its vector slots by name onto <paramref name="target"/>'s slots.</summary>
    public static void Read(Stream input, IReadOnlyList<VectorSpec> target, List<StoredPoint> into)
    {
        var reader = new BinaryReader(input, Encoding.UTF8, leaveOpen: true);
        if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
        {
            throw new InvalidDataException("segment has an unknown format");
        }

        var slotCount = Checked(reader.ReadInt32(), 1 << 16);
        var map = new int[slotCount];
        for (var s = 0; s < slotCount; s++)
        {
            var name = Encoding.UTF8.GetString(reader.ReadBytes(Checked(reader.ReadInt32(), 1 << 16)));
            _ = reader.ReadInt32();
            map[s] = IndexOf(target, name);
        }

        var count = Checked(reader.ReadInt32(), int.MaxValue);
        for (var i = 0; i < count; i++)
        {
            PointId id = reader.ReadByte() switch
            {
                0 => PointId.FromNumber(reader.ReadUInt64()),
                1 => new PointId(true, 0, BinaryPrimitives.ReadUInt128BigEndian(reader.ReadBytes(16))),
                _ => throw new InvalidDataException("segment has a bad point id"),
            };
            var version = reader.ReadUInt64();
            var vectors = new float[]?[target.Count];
            for (var s = 0; s < slotCount; s++)
            {
                var length = reader.ReadInt32();
                if (length < 0)
                {
                    continue;
                }

                var vector = VectorMemory.Allocate(Checked(length, 1 << 20));
                if (input.ReadAtLeast(MemoryMarshal.AsBytes(vector.AsSpan()), vector.Length * 4, throwOnEndOfStream: true) != vector.Length * 4)
                {
                    throw new EndOfStreamException();
                }

                if (map[s] >= 0)
                {
                    vectors[map[s]] = vector;
                }
            }

            var payloadLength = reader.ReadInt32();
            var payload = payloadLength < 0 ? null : reader.ReadBytes(Checked(payloadLength, int.MaxValue));
            into.Add(new StoredPoint(id, vectors, payload, version));
        }
    }

    private static int IndexOf(IReadOnlyList<VectorSpec> slots, string name)
    {
        for (var i = 0; i < slots.Count; i++)
        {
            if (slots[i].Name == name)
            {
                return i;
            }
        }

        // A shard snapshot recovered into a collection with other vector names keeps the point but not that vector
        // (Qdrant does not check shard compatibility either, #2913).
        return slots.Count == 1 && slots[0].Name.Length == 0 && name.Length == 0 ? 0 : -1;
    }

    private static int Checked(int value, int max) =>
        value < 0 || value > max ? throw new InvalidDataException($"segment field out of range: {value}") : value;
}
