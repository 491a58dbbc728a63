using System.Text.Json.Nodes;

namespace VectorDR.QdrantEmulator;

/// <summary>
/// Fault injection for tests: counted one-shot faults consumed by incoming requests. Thread-safe. Reachable
/// in-process (<see cref="QdrantEmulatorHost.Faults"/>) and over HTTP (<c>POST/DELETE /__emulator/faults</c>).
/// Faults never apply to the <c>/__emulator</c> control paths themselves.
/// </summary>
public sealed class EmulatorFaults
{
    private readonly Lock _gate = new();
    private int _failCount;
    private int _failStatus;
    private TimeSpan? _failRetryAfter;
    private int _resetCount;
    private int _cutCount;
    private long _cutAfterBytes;
    private int _delayCount;
    private TimeSpan _delay;

    /// <summary>
    /// The next <paramref name="count"/> snapshot downloads or shard snapshot streams send their 200 status and
    /// the first <paramref name="bytes"/> body bytes, then the connection is aborted (as when Qdrant dies mid-stream).
    /// </summary>
    public void CutStreamsAfterBytes(long bytes, int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (_gate)
        {
            _cutAfterBytes = bytes;
            _cutCount = count;
        }
    }

    /// <summary>
    /// The next <paramref name="count"/> Qdrant requests fail with <paramref name="status"/> and Qdrant's error
    /// envelope; with <paramref name="retryAfter"/> a <c>Retry-After</c> header (seconds) is added (e.g. 429).
    /// </summary>
    public void FailNextRequests(int count, int status, TimeSpan? retryAfter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(status, 400);
        lock (_gate)
        {
            _failCount = count;
            _failStatus = status;
            _failRetryAfter = retryAfter;
        }
    }

    /// <summary>The next <paramref name="count"/> requests get their connection reset without any response.</summary>
    public void ResetNextConnections(int count)
    {
        lock (_gate)
        {
            _resetCount = count;
        }
    }

    /// <summary>The next <paramref name="count"/> requests are delayed by <paramref name="delay"/> before being handled.</summary>
    public void DelayNextRequests(TimeSpan delay, int count = int.MaxValue)
    {
        lock (_gate)
        {
            _delay = delay;
            _delayCount = count;
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _failCount = _resetCount = _cutCount = _delayCount = 0;
        }
    }

    internal bool TryTakeReset() => TryTake(ref _resetCount);

    internal bool TryTakeFailure(out int status, out TimeSpan? retryAfter)
    {
        lock (_gate)
        {
            status = _failStatus;
            retryAfter = _failRetryAfter;
            return TryTake(ref _failCount);
        }
    }

    internal TimeSpan? TryTakeDelay()
    {
        lock (_gate)
        {
            return TryTake(ref _delayCount) ? _delay : null;
        }
    }

    internal long? TryTakeCut()
    {
        lock (_gate)
        {
            return TryTake(ref _cutCount) ? _cutAfterBytes : null;
        }
    }

    internal JsonObject Describe()
    {
        lock (_gate)
        {
            return new JsonObject
            {
                ["fail_next"] = new JsonObject
                {
                    ["count"] = _failCount,
                    ["status"] = _failStatus,
                    ["retry_after_seconds"] = _failRetryAfter?.TotalSeconds,
                },
                ["reset_next"] = _resetCount,
                ["cut_streams"] = new JsonObject { ["count"] = _cutCount, ["after_bytes"] = _cutAfterBytes },
                ["delay"] = new JsonObject { ["count"] = _delayCount, ["milliseconds"] = _delay.TotalMilliseconds },
            };
        }
    }

    private bool TryTake(ref int counter)
    {
        lock (_gate)
        {
            if (counter <= 0)
            {
                return false;
            }

            counter--;
            return true;
        }
    }
}
