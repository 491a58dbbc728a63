using System.Buffers;
using System.Threading.Channels;

namespace VectorDR.Engine.IO;

/// <summary>
/// Reads a source stream ahead on its own task into a bounded queue of pooled chunks, so the source (Qdrant's
/// snapshot stream) keeps flowing while the consumer (hashing, the object store) is busy, and the two run on
/// different cores. Memory is bounded by <c>chunkSize × capacity</c>. An error of the source surfaces on the
/// consumer's next read, after the data read before it.
/// </summary>
public sealed class ReadAheadStream : Stream
{
    private readonly Stream _source;
    private readonly Channel<Chunk> _chunks;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _producer;
    private readonly int _chunkSize;
    private Chunk? _current;
    private int _offset;
    private long _position;
    private bool _completed;
    private bool _disposed;

    private sealed record Chunk(byte[] Buffer, int Length);

    public ReadAheadStream(Stream source, int chunkSize = 1 << 20, int capacity = 8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 4096);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _source = source;
        _chunkSize = chunkSize;
        _chunks = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
        _producer = Task.Run(ProduceAsync);
    }

    private async Task ProduceAsync()
    {
        try
        {
            while (true)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(_chunkSize);
                var filled = 0;
                // Fill whole chunks: fewer, larger hand-offs than one per network read.
                while (filled < _chunkSize)
                {
                    var n = await _source.ReadAsync(buffer.AsMemory(filled, _chunkSize - filled), _stop.Token).ConfigureAwait(false);
                    if (n == 0) break;
                    filled += n;
                }
                if (filled == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    _chunks.Writer.TryComplete();
                    return;
                }
                await _chunks.Writer.WriteAsync(new Chunk(buffer, filled), _stop.Token).ConfigureAwait(false);
                if (filled < _chunkSize)
                {
                    _chunks.Writer.TryComplete();
                    return;
                }
            }
        }
        catch (Exception e)
        {
            _chunks.Writer.TryComplete(e);
        }
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _source.CanSeek ? _source.Length : throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0 || _completed) return 0;
        if (_current is null)
        {
            try
            {
                if (!await _chunks.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    _completed = true;
                    return 0;
                }
            }
            catch (ChannelClosedException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            }
            _chunks.Reader.TryRead(out _current);
            _offset = 0;
        }

        var n = Math.Min(buffer.Length, _current!.Length - _offset);
        _current.Buffer.AsMemory(_offset, n).CopyTo(buffer);
        _offset += n;
        _position += n;
        if (_offset == _current.Length)
        {
            ArrayPool<byte>.Shared.Return(_current.Buffer);
            _current = null;
        }
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        await DisposeCoreAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) DisposeCoreAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose(disposing);
    }

    private async ValueTask DisposeCoreAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _producer.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        while (_chunks.Reader.TryRead(out var chunk)) ArrayPool<byte>.Shared.Return(chunk.Buffer);
        if (_current is not null) ArrayPool<byte>.Shared.Return(_current.Buffer);
        _current = null;
        await _source.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
