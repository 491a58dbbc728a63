using VectorDR.Core.Errors;

namespace VectorDR.Engine.IO;

/// <summary>
/// Passes a tar archive through and, when the source ends, checks that it ended like a tar archive: a whole number of
/// 512-byte blocks closed by the end-of-archive marker (two zero blocks). Qdrant's streaming snapshot has no
/// Content-Length, and a server that fails mid-stream after sending 200 simply closes the connection: this is how a
/// truncated part is told from a complete one. The check throws before the consumer sees end-of-stream, so the
/// object store never commits the truncated part.
/// </summary>
public sealed class TarEndCheckingStream(Stream inner, string what) : Stream
{
    private const int Block = 512;
    private const int EndMarker = 2 * Block;
    private readonly byte[] _tail = new byte[EndMarker];
    private long _length;
    private bool _checked;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _length; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        Observe(buffer[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Observe(buffer.Span[..n]);
        return n;
    }

    private void Observe(ReadOnlySpan<byte> data)
    {
        if (data.Length > 0)
        {
            // Keep the last 1,024 bytes seen: a sliding tail, whatever the read sizes.
            if (data.Length >= EndMarker)
            {
                data[^EndMarker..].CopyTo(_tail);
            }
            else
            {
                _tail.AsSpan(data.Length).CopyTo(_tail);
                data.CopyTo(_tail.AsSpan(EndMarker - data.Length));
            }
            _length += data.Length;
            return;
        }

        if (_checked) return;
        _checked = true;
        if (_length < EndMarker || _length % Block != 0 || _tail.AsSpan().IndexOfAnyExcept((byte)0) >= 0)
            throw new OperationFailedException(
                $"{what} ended after {_length} bytes without the tar end-of-archive marker: the stream was cut short");
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
