using System.Collections.Concurrent;
using VectorDR.QdrantEmulator.Model;
using VectorDR.QdrantEmulator.Snapshots;

namespace VectorDR.QdrantEmulator;

/// <summary>The emulated single Qdrant node: its state and services, shared by all endpoints.</summary>
internal sealed class QdrantNode : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Task, byte> _background = new();
    private readonly CancellationTokenSource _stopping = new();

    public QdrantNode(QdrantEmulatorOptions options, string snapshotsDirectory, TextWriter? log)
    {
        Options = options;
        Log = log;
        // Qdrant peer ids are random u64 values, also on standalone nodes.
        PeerId = options.PeerId ?? (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        ArchiveWriter = new SnapshotArchiveWriter(options.Version, PeerId, options.SegmentPoints);
        Snapshots = new SnapshotStore(snapshotsDirectory, PeerId, ArchiveWriter, options.TimeProvider);
        Http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        Recovery = new SnapshotRecovery(Registry, Snapshots, Http);
    }

    public QdrantEmulatorOptions Options { get; }

    public TextWriter? Log { get; }

    public ulong PeerId { get; }

    public CollectionRegistry Registry { get; } = new();

    public SnapshotStore Snapshots { get; }

    public SnapshotArchiveWriter ArchiveWriter { get; }

    /// <summary>
    /// Cancelled when the emulator stops. Snapshot work uses it instead of the request's token because Qdrant keeps
    /// creating a snapshot after the client disconnected (API-NOTES §1.2).
    /// </summary>
    public CancellationToken Stopping => _stopping.Token;

    public SnapshotRecovery Recovery { get; }

    public EmulatorFaults Faults { get; } = new();

    public SnapshotTelemetry Telemetry { get; } = new();

    public DateTime StartedUtc { get; } = DateTime.UtcNow;

    /// <summary>Telemetry <c>id</c> (a random UUID per process in Qdrant).</summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString();

    public EmulatorStats Stats { get; } = new();

    private HttpClient Http { get; }

    /// <summary>Whether this emulated version serves the streaming shard snapshot endpoint (Qdrant 1.12.0+).</summary>
    public bool SupportsShardStreaming =>
        !System.Version.TryParse(Options.Version.Split('-')[0], out var v) || v >= new System.Version(1, 12, 0);

    /// <summary>
    /// Runs work for a <c>wait=false</c> request after the 202 went out. Like Qdrant, failures only reach the log.
    /// </summary>
    public void RunInBackground(string what, Func<CancellationToken, Task> work)
    {
        var task = Task.Run(async () =>
        {
            try
            {
                await work(_stopping.Token);
            }
            catch (Exception e) when (!_stopping.IsCancellationRequested)
            {
                Log?.WriteLine($"background {what} failed: {e.Message}");
            }
        });
        _background.TryAdd(task, 0);
        task.ContinueWith(t => _background.TryRemove(t, out _), TaskScheduler.Default);
    }

    /// <summary>Waits for all background work started so far (tests use it to observe wait=false results).</summary>
    public Task WhenBackgroundIdleAsync() => Task.WhenAll(_background.Keys);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_background.Keys).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception)
        {
            // Cancelled or failed background work must not fail shutdown.
        }

        Http.Dispose();
        _stopping.Dispose();
    }
}
