using Microsoft.Extensions.Time.Testing;
using VectorDR.ControllerRuntime.Queue;

namespace VectorDR.ControllerRuntime.Tests.Unit;

public sealed class WorkQueueTests
{
    private readonly FakeTimeProvider _time = new();
    private static readonly CancellationToken Soon = new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token;

    [Fact]
    public async Task Duplicate_adds_are_collapsed()
    {
        using var queue = new WorkQueue<string>(_time);
        queue.Add("a");
        queue.Add("a");
        queue.Add("b");
        Assert.Equal(2, queue.Count);
        Assert.Equal("a", await queue.GetAsync(Soon));
        Assert.Equal("b", await queue.GetAsync(Soon));
    }

    [Fact]
    public async Task A_key_being_processed_is_not_handed_out_again_until_done()
    {
        using var queue = new WorkQueue<string>(_time);
        queue.Add("a");
        var key = await queue.GetAsync(Soon);
        queue.Add("a"); // changed while processing
        Assert.Equal(0, queue.Count);

        var second = queue.GetAsync(Soon);
        await Task.Delay(50, Soon);
        Assert.False(second.IsCompleted);

        queue.Done(key);
        Assert.Equal("a", await second);
    }

    [Fact]
    public async Task Delayed_add_fires_on_the_fake_clock_and_the_earliest_due_time_wins()
    {
        using var queue = new WorkQueue<string>(_time);
        queue.AddAfter("a", TimeSpan.FromMinutes(10));
        queue.AddAfter("a", TimeSpan.FromMinutes(1));
        queue.AddAfter("a", TimeSpan.FromMinutes(5));
        Assert.Equal(0, queue.Count);

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(0, queue.Count);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, queue.Count);
        Assert.Equal(0, queue.WaitingCount);
        Assert.Equal("a", await queue.GetAsync(Soon));
    }

    [Fact]
    public void Failures_back_off_exponentially_per_key_and_forget_resets()
    {
        using var queue = new WorkQueue<string>(_time, new BackoffPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10)));
        Assert.Equal(TimeSpan.FromSeconds(1), queue.AddRateLimited("a"));
        Assert.Equal(TimeSpan.FromSeconds(2), queue.AddRateLimited("a"));
        Assert.Equal(TimeSpan.FromSeconds(4), queue.AddRateLimited("a"));
        Assert.Equal(TimeSpan.FromSeconds(8), queue.AddRateLimited("a"));
        Assert.Equal(TimeSpan.FromSeconds(10), queue.AddRateLimited("a"));
        Assert.Equal(TimeSpan.FromSeconds(1), queue.AddRateLimited("b"));
        Assert.Equal(5, queue.NumRequeues("a"));

        queue.Forget("a");
        Assert.Equal(0, queue.NumRequeues("a"));
        Assert.Equal(TimeSpan.FromSeconds(1), queue.AddRateLimited("a"));
    }

    [Fact]
    public async Task Waiting_getter_is_woken_by_an_add()
    {
        using var queue = new WorkQueue<string>(_time);
        var get = queue.GetAsync(Soon);
        Assert.False(get.IsCompleted);
        queue.Add("x");
        Assert.Equal("x", await get);
    }

    [Fact]
    public async Task Cancelled_getter_throws_and_shutdown_releases_getters()
    {
        using var queue = new WorkQueue<string>(_time);
        using var cts = new CancellationTokenSource();
        var get = queue.GetAsync(cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => get);

        var pending = queue.GetAsync(Soon);
        queue.ShutDown();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
    }

    [Fact]
    public async Task Many_workers_never_process_one_key_concurrently()
    {
        using var queue = new WorkQueue<int>(TimeProvider.System);
        var inFlight = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var violations = 0;
        var processed = 0;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (Volatile.Read(ref processed) < 200)
            {
                int key;
                try { key = await queue.GetAsync(cts.Token); }
                catch (OperationCanceledException) { return; }
                if (!inFlight.TryAdd(key, 0)) Interlocked.Increment(ref violations);
                await Task.Yield();
                inFlight.TryRemove(key, out _);
                Interlocked.Increment(ref processed);
                queue.Done(key);
            }
        })).ToArray();

        for (var i = 0; i < 400; i++) queue.Add(i % 5);
        while (Volatile.Read(ref processed) < 5 && !cts.IsCancellationRequested) await Task.Delay(10);
        for (var i = 0; i < 200; i++) queue.Add(i % 5);
        await Task.Delay(200);
        queue.ShutDown();
        await Task.WhenAll(workers);
        Assert.Equal(0, violations);
    }
}
