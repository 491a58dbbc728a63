using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace VectorDR.QdrantEmulator.Snapshots;

/// <summary>
/// Buffered, async-only binary writer (Kestrel response bodies refuse synchronous writes). Little-endian.
/// Tracks the number of bytes written so the tar writer can pad entries and check declared sizes.
/// </summary>
internal sealed class BlockWriter(Stream target, int bufferSize = 1 << 20)
{
    private readonly byte[] _buffer = new byte[bufferSize];
    private int _used;

    public long Written { get; private set; }

    public ValueTask WriteAsync(ReadOnlySpan<byte> data, CancellationToken ct)
    {
        if (_used + data.Length <= _buffer.Length)
        {
            data.CopyTo(_buffer.AsSpan(_used));
            _used += data.Length;
            Written += data.Length;
            return ValueTask.CompletedTask;
        }

        return WriteSlowAsync(data.ToArray(), ct);
    }

    private async ValueTask WriteSlowAsync(byte[] data, CancellationToken ct)
    {
        var offset = 0;
        while (offset < data.Length)
        {
            if (_used == _buffer.Length)
            {
                await FlushBufferAsync(ct);
            }

            var take = Math.Min(_buffer.Length - _used, data.Length - offset);
            data.AsSpan(offset, take).CopyTo(_buffer.AsSpan(_used));
            _used += take;
            offset += take;
            Written += take;
        }
    }

    public ValueTask WriteFloatsAsync(float[] values, CancellationToken ct) =>
        WriteAsync(MemoryMarshal.AsBytes(values.AsSpan()), ct);

    public ValueTask WriteInt32Async(int value, CancellationToken ct)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        return WriteAsync(bytes, ct);
    }

    public ValueTask WriteUInt64Async(ulong value, CancellationToken ct)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return WriteAsync(bytes, ct);
    }

    public ValueTask WriteStringAsync(string text, CancellationToken ct) => WriteAsync(Encoding.UTF8.GetBytes(text), ct);

    public async ValueTask FlushAsync(CancellationToken ct)
    {
        await FlushBufferAsync(ct);
        await target.FlushAsync(ct);
    }

    private async ValueTask FlushBufferAsync(CancellationToken ct)
    {
        if (_used > 0)
        {
            await target.WriteAsync(_buffer.AsMemory(0, _used), ct);
            _used = 0;
        }
    }
}
