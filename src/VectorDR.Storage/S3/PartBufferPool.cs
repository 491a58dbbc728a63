namespace VectorDR.Storage.S3;

/// <summary>
/// At most <c>capacity</c> buffers exist at once (rented + idle), so memory is bounded by capacity × the largest
/// size asked for (the semaphore needs no disposal: its wait handle is never used). Buffers are reused from part to part; when the part size grows, smaller idle buffers are dropped.
/// </summary>
internal sealed class PartBufferPool(int capacity)
{
    private readonly SemaphoreSlim _permits = new(capacity, capacity);
    private readonly Stack<byte[]> _idle = new();

    public async ValueTask<byte[]> RentAsync(long size, CancellationToken cancellationToken)
    {
        await _permits.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_idle)
        {
            while (_idle.TryPop(out var buffer))
            {
                if (buffer.Length >= size) return buffer;
            }
        }

        // Uninitialised: every byte handed out is overwritten by the stream before it is sent.
        return GC.AllocateUninitializedArray<byte>(checked((int)size));
    }

    public void Return(byte[] buffer)
    {
        lock (_idle) _idle.Push(buffer);
        _permits.Release();
    }
}
