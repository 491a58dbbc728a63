namespace VectorDR.ControllerRuntime.Queue;

/// <summary>Per-key exponential backoff: base * 2^failures, capped.</summary>
public sealed record BackoffPolicy(TimeSpan BaseDelay, TimeSpan MaxDelay)
{
    public static BackoffPolicy Default { get; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromMinutes(5));

    public TimeSpan For(int failures)
    {
        var exponent = Math.Min(failures, 30);
        var ticks = BaseDelay.Ticks * Math.Pow(2, exponent);
        return ticks >= MaxDelay.Ticks ? MaxDelay : TimeSpan.FromTicks((long)ticks);
    }
}

/// <summary>
/// client-go's rate-limited work queue: a key is queued at most once (dirty set); a key being processed is never
/// handed to a second worker (processing set) and is re-queued on <see cref="Done"/> if it was added meanwhile;
/// delayed adds keep the earliest due time; failures back off exponentially per key. All time goes through
/// <see cref="TimeProvider"/> so tests drive it with a fake clock.
/// </summary>
public sealed class WorkQueue<TKey> : IDisposable where TKey : notnull
{
    private readonly object _gate = new();
    private readonly LinkedList<TKey> _queue = new();
    private readonly HashSet<TKey> _dirty = [];
    private readonly HashSet<TKey> _processing = [];
    private readonly Dictionary<TKey, (DateTimeOffset Due, ITimer Timer)> _waiting = [];
    private readonly Dictionary<TKey, int> _failures = [];
    private readonly LinkedList<TaskCompletionSource<bool>> _getters = new();
    private readonly TimeProvider _time;
    private readonly BackoffPolicy _backoff;
    private bool _shutDown;

    public WorkQueue(TimeProvider time, BackoffPolicy? backoff = null)
    {
        _time = time;
        _backoff = backoff ?? BackoffPolicy.Default;
    }

    /// <summary>Called with the new depth whenever it changes (metrics).</summary>
    public Action<int>? DepthChanged { get; set; }

    public int Count
    {
        get { lock (_gate) return _queue.Count; }
    }

    /// <summary>Keys waiting for a delayed add.</summary>
    public int WaitingCount
    {
        get { lock (_gate) return _waiting.Count; }
    }

    public void Add(TKey key)
    {
        lock (_gate)
        {
            if (_shutDown || !_dirty.Add(key)) return;
            if (_processing.Contains(key)) return; // Done() re-queues it
            _queue.AddLast(key);
            WakeOneGetter();
            DepthChanged?.Invoke(_queue.Count);
        }
    }

    /// <summary>Adds the key once <paramref name="delay"/> has passed; an earlier pending due time wins.</summary>
    public void AddAfter(TKey key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }

        lock (_gate)
        {
            if (_shutDown) return;
            var due = _time.GetUtcNow() + delay;
            if (_waiting.TryGetValue(key, out var pending))
            {
                if (pending.Due <= due) return;
                pending.Timer.Dispose();
            }
            var timer = _time.CreateTimer(static state =>
            {
                var (queue, k) = ((WorkQueue<TKey>, TKey))state!;
                queue.Fire(k);
            }, (this, key), delay, Timeout.InfiniteTimeSpan);
            _waiting[key] = (due, timer);
        }
    }

    private void Fire(TKey key)
    {
        lock (_gate)
        {
            if (_waiting.Remove(key, out var entry)) entry.Timer.Dispose();
        }
        Add(key);
    }

    /// <summary>Re-adds the key after its per-key backoff and counts a failure.</summary>
    public TimeSpan AddRateLimited(TKey key)
    {
        TimeSpan delay;
        lock (_gate)
        {
            var failures = _failures.GetValueOrDefault(key);
            delay = _backoff.For(failures);
            _failures[key] = failures + 1;
        }
        AddAfter(key, delay);
        return delay;
    }

    /// <summary>Clears the failure count of a key (after a success).</summary>
    public void Forget(TKey key)
    {
        lock (_gate) _failures.Remove(key);
    }

    public int NumRequeues(TKey key)
    {
        lock (_gate) return _failures.GetValueOrDefault(key);
    }

    /// <summary>Waits for the next key. The caller must call <see cref="Done"/> when it has finished with it.</summary>
    public async Task<TKey> GetAsync(CancellationToken ct)
    {
        while (true)
        {
            TaskCompletionSource<bool> waiter;
            lock (_gate)
            {
                if (_queue.First is { } first)
                {
                    _queue.RemoveFirst();
                    _processing.Add(first.Value);
                    _dirty.Remove(first.Value);
                    DepthChanged?.Invoke(_queue.Count);
                    return first.Value;
                }
                if (_shutDown) throw new OperationCanceledException("The work queue is shut down.");
                waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                _getters.AddLast(waiter);
            }

            await using (ct.Register(static s => ((TaskCompletionSource<bool>)s!).TrySetCanceled(), waiter))
            {
                try
                {
                    await waiter.Task.ConfigureAwait(false);
                }
                finally
                {
                    lock (_gate) _getters.Remove(waiter);
                }
            }
        }
    }

    public void Done(TKey key)
    {
        lock (_gate)
        {
            _processing.Remove(key);
            if (_dirty.Contains(key))
            {
                _queue.AddLast(key);
                WakeOneGetter();
                DepthChanged?.Invoke(_queue.Count);
            }
        }
    }

    public void ShutDown()
    {
        lock (_gate)
        {
            _shutDown = true;
            foreach (var (_, entry) in _waiting) entry.Timer.Dispose();
            _waiting.Clear();
            foreach (var g in _getters) g.TrySetResult(false);
        }
    }

    public void Dispose() => ShutDown();

    private void WakeOneGetter()
    {
        // Called under the lock. Waking one getter is enough: each woken getter re-checks the queue.
        while (_getters.First is { } g)
        {
            _getters.RemoveFirst();
            if (g.Value.TrySetResult(true)) return;
        }
    }
}
