namespace VectorDR.KubeEmulator;

/// <summary>
/// Fault injection for tests: cut every open watch, slow or fail requests, and compact the watch history so older
/// resourceVersions answer 410 Gone. Thread-safe; faults apply to API requests (not to /healthz).
/// </summary>
public sealed class EmulatorFaults
{
    private readonly object _gate = new();
    private readonly Action _compact;
    private CancellationTokenSource _watchDrop = new();
    private int _failuresLeft;
    private int _failureStatus;
    private Func<string, bool>? _failureFilter;
    private TimeSpan _delay;
    private int _openWatches;

    internal EmulatorFaults(Action compact) => _compact = compact;

    /// <summary>Watches currently streaming.</summary>
    public int OpenWatches => Volatile.Read(ref _openWatches);

    /// <summary>Closes the connection of every watch open now (clients see the stream end abruptly and must re-watch).</summary>
    public void DropAllWatches()
    {
        CancellationTokenSource old;
        lock (_gate)
        {
            old = _watchDrop;
            _watchDrop = new CancellationTokenSource();
        }

        old.Cancel();
        old.Dispose();
    }

    /// <summary>The next <paramref name="count"/> API requests (optionally only those whose path contains
    /// <paramref name="pathContains"/>) fail with <paramref name="statusCode"/> and a Status body.</summary>
    public void FailNextRequests(int count, int statusCode, string? pathContains = null)
    {
        lock (_gate)
        {
            _failuresLeft = count;
            _failureStatus = statusCode;
            _failureFilter = pathContains is null ? null : path => path.Contains(pathContains, StringComparison.Ordinal);
        }
    }

    /// <summary>Delays every API request by <paramref name="delay"/> (TimeSpan.Zero turns it off).</summary>
    public void Delay(TimeSpan delay)
    {
        lock (_gate)
        {
            _delay = delay;
        }
    }

    /// <summary>Drops the retained watch history: watches or resumes from any resourceVersion before now get 410 Gone.</summary>
    public void CompactHistory() => _compact();

    /// <summary>Clears delay and pending failures.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _failuresLeft = 0;
            _delay = TimeSpan.Zero;
        }
    }

    internal TimeSpan CurrentDelay
    {
        get
        {
            lock (_gate)
            {
                return _delay;
            }
        }
    }

    internal CancellationToken WatchDropToken
    {
        get
        {
            lock (_gate)
            {
                return _watchDrop.Token;
            }
        }
    }

    internal bool TryConsumeFailure(string path, out int statusCode)
    {
        lock (_gate)
        {
            statusCode = _failureStatus;
            if (_failuresLeft <= 0 || (_failureFilter is not null && !_failureFilter(path)))
            {
                return false;
            }

            _failuresLeft--;
            return true;
        }
    }

    internal void WatchOpened() => Interlocked.Increment(ref _openWatches);

    internal void WatchClosed() => Interlocked.Decrement(ref _openWatches);
}
