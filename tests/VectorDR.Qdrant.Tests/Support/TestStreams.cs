namespace VectorDR.Qdrant.Tests.Support;

/// <summary>Serves a slice of a byte array and then fails like a dropped connection (exception or early clean end).</summary>
public sealed class DroppingStream(ReadOnlyMemory<byte> data, int? dropAfter, bool cleanClose = false) : Stream
{
    private int position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var limit = dropAfter is { } d ? Math.Min(d, data.Length) : data.Length;
        if (position >= limit)
        {
            if (limit == data.Length || cleanClose) return 0;
            throw new IOException("Connection reset by peer (simulated)");
        }
        var n = Math.Min(count, limit - position);
        data.Span.Slice(position, n).CopyTo(buffer.AsSpan(offset, n));
        position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer, offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var array = new byte[buffer.Length];
        var n = Read(array, 0, array.Length);
        array.AsSpan(0, n).CopyTo(buffer.Span);
        return ValueTask.FromResult(n);
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>
/// A non-seekable source of <paramref name="length"/> deterministic bytes that records how far it has been read, so a
/// test can prove an upload is streamed rather than buffered.
/// </summary>
public sealed class PatternStream(long length) : Stream
{
    private long produced;

    public long Produced => Interlocked.Read(ref produced);

    public bool Disposed { get; private set; }

    public static byte ByteAt(long index) => (byte)(index * 31 + (index >> 11));

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => Produced; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var start = Produced;
        var n = (int)Math.Min(buffer.Length, length - start);
        for (var i = 0; i < n; i++) buffer[i] = ByteAt(start + i);
        Interlocked.Add(ref produced, n);
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    protected override void Dispose(bool disposing)
    {
        Disposed = true;
        base.Dispose(disposing);
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
