namespace VectorDR.Qdrant.Streams;

/// <summary>
/// Wraps the caller's snapshot stream for an upload: forward-only reads, a count of bytes consumed (a failed upload can
/// only be resent if nothing was read yet), and no Dispose pass-through (the caller owns the stream, while
/// <see cref="StreamContent"/> disposes what it wraps). Reporting <see cref="CanSeek"/> false also keeps
/// <see cref="HttpContent"/> from computing a Content-Length, so the body goes out chunked, never buffered.
/// </summary>
internal sealed class UploadSourceStream(Stream inner) : Stream
{
    private long bytesRead;

    public long BytesRead => Interlocked.Read(ref bytesRead);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Counted(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Counted(await inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken).ConfigureAwait(false));

    private int Counted(int read)
    {
        Interlocked.Add(ref bytesRead, read);
        return read;
    }

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
