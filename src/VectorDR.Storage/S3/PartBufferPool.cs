using System.Buffers;

namespace VectorDR.Storage.S3;

/// <summary>
/// At most <c>capacity</c> buffers exist at once (rented + idle), so memory is bounded by capacity × the largest
/// size asked for (the semaphore needs no disposal: its wait handle is never used). Buffers are reused from part to part; when the part size grows, smaller idle buffers are dropped.
/// The arrays themselves come from one process-wide pool and go back to it on <see cref="ReleaseIdle"/>: a copy
/// or restore opens a read stream per part, and fresh 16 MiB arrays for each would pile up in the large-object
/// heap faster than the GC hands memory back.
/// </summary>
internal sealed class PartBufferPool(int capacity)
{
    /// <summary>Part and range sizes are powers of two up to 1 GiB; a few arrays per size are kept for reuse.</summary>
    private static readonly ArrayPool<byte> Shared = ArrayPool<byte>.Create(maxArrayLength: 1 << 30, maxArraysPerBucket: 16);

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
                Shared.Return(buffer);
            }
        }

        // Not cleared: every byte handed out is overwritten by the stream before it is sent.
        return Shared.Rent(checked((int)size));
    }

    /// <summary>Hands idle buffers back to the process-wide pool (call when the owner is done with them).</summary>
    public void ReleaseIdle()
    {
        lock (_idle)
        {
            while (_idle.TryPop(out var buffer)) Shared.Return(buffer);
        }
    }

    public void Return(byte[] buffer)
    {
        lock (_idle) _idle.Push(buffer);
        _permits.Release();
    }
}
