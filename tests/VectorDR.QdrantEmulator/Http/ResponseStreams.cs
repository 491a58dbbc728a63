namespace VectorDR.QdrantEmulator.Http;

/// <summary>Passes through a byte budget, then aborts the connection (after the 200 and some body went out).</summary>
internal sealed class CuttingStream(Stream inner, long budget, HttpContext context) : WriteOnlyStream
{
    private static readonly TimeSpan GracePeriod = TimeSpan.FromMilliseconds(250);
    private long _remaining = budget;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_remaining > 0)
        {
            var take = (int)Math.Min(_remaining, buffer.Length);
            await inner.WriteAsync(buffer[..take], cancellationToken);
            _remaining -= take;
            buffer = buffer[take..];
        }

        if (buffer.Length > 0)
        {
            await inner.FlushAsync(cancellationToken);
            // Abort resets the connection, and a TCP reset can make the peer drop data it has not read yet. Give the
            // client a moment to take the status line and the first bytes, so it sees "200, some bytes, then broken".
            await Task.Delay(GracePeriod, CancellationToken.None);
            context.Abort();
            throw new IOException("qdrant-emulator fault: stream cut");
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
}

/// <summary>Counts snapshot body bytes for <see cref="EmulatorStats"/>.</summary>
internal sealed class CountingStream(Stream inner, EmulatorStats stats) : WriteOnlyStream
{
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await inner.WriteAsync(buffer, cancellationToken);
        stats.AddSnapshotBytes(buffer.Length);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
}

/// <summary>Base for async write-through wrappers; synchronous writes are routed to the async path.</summary>
internal abstract class WriteOnlyStream : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public abstract override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
