namespace VectorDR.Storage.S3;

/// <summary>
/// A forward-only stream over an object of known length, fetched as consecutive ranges with up to
/// <c>inFlight</c> range requests running ahead of the reader. Ranges are handed out strictly in order; memory is
/// bounded by (inFlight + 1) × rangeSize whatever the object size. Each range is fetched (and retried) on its own.
/// </summary>
internal sealed class RangedReadStream : Stream
{
    /// <summary>Fills exactly <c>length</c> bytes of the buffer with the object's bytes at <c>offset</c>.</summary>
    public delegate Task FetchRange(long offset, int length, byte[] buffer, CancellationToken cancellationToken);

    private readonly FetchRange _fetch;
    private readonly long _length;
    private readonly int _rangeSize;
    private readonly int _inFlight;
    private readonly PartBufferPool _pool;
    private readonly Queue<(Task Fetch, byte[] Buffer, int Length)> _ahead = new();
    private readonly CancellationTokenSource _stop = new();

    private long _nextOffset;      // first byte not yet requested
    private long _position;        // bytes handed to the reader
    private byte[]? _current;
    private int _currentLength;
    private int _currentOffset;
    private bool _disposed;
    private System.Runtime.ExceptionServices.ExceptionDispatchInfo? _failure;

    public RangedReadStream(FetchRange fetch, long length, long rangeSize, int inFlight)
    {
        _fetch = fetch;
        _length = length;
        _rangeSize = (int)Math.Min(rangeSize, Math.Max(1, length)); // a small object gets one buffer of its own size
        _inFlight = inFlight;
        _pool = new PartBufferPool(inFlight + 1);
    }

    public override bool CanRead => !_disposed;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _failure?.Throw();
        if (destination.Length == 0 || _position >= _length) return 0;
        if (_current is null || _currentOffset == _currentLength)
        {
            await AdvanceAsync(cancellationToken).ConfigureAwait(false);
        }

        var n = Math.Min(destination.Length, _currentLength - _currentOffset);
        _current!.AsMemory(_currentOffset, n).CopyTo(destination);
        _currentOffset += n;
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        // Synchronous callers (e.g. a hashing CryptoStream) block; the fetches themselves stay asynchronous.
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var n = ReadAsync(rented.AsMemory(0, buffer.Length)).AsTask().GetAwaiter().GetResult();
            rented.AsSpan(0, n).CopyTo(buffer);
            return n;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private async Task AdvanceAsync(CancellationToken cancellationToken)
    {
        if (_current is not null)
        {
            _pool.Return(_current);
            _current = null;
        }

        ScheduleAhead();
        var (fetch, buffer, length) = _ahead.Peek();
        try
        {
            await fetch.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (fetch.IsFaulted)
        {
            // The range failed after its retries: the stream is unusable from here on, and says so on every read.
            _failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex);
            throw;
        }

        _ahead.Dequeue();

        _current = buffer;
        _currentLength = length;
        _currentOffset = 0;
        ScheduleAhead();
    }

    private void ScheduleAhead()
    {
        while (_ahead.Count < _inFlight && _nextOffset < _length)
        {
            var offset = _nextOffset;
            var length = (int)Math.Min(_rangeSize, _length - offset);
            // Never blocks: at most inFlight queued + 1 current buffers exist, and the pool holds inFlight + 1.
            var buffer = _pool.RentAsync(_rangeSize, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            _ahead.Enqueue((_fetch(offset, length, buffer, _stop.Token), buffer, length));
            _nextOffset += length;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var (fetch, buffer, _) in _ahead)
        {
            try
            {
                await fetch.ConfigureAwait(false);
            }
            catch
            {
                // cancelled or failed reads ahead of a reader that stopped early are of no interest
            }

            _pool.Return(buffer);
        }

        _ahead.Clear();
        if (_current is not null) _pool.Return(_current);
        _current = null;
        _pool.ReleaseIdle();
        _stop.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _stop.Cancel();
            foreach (var (fetch, _, _) in _ahead)
            {
                _ = fetch.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }

            _ahead.Clear();
            // _stop is not disposed here: fetches still running observe its token.
        }

        base.Dispose(disposing);
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
