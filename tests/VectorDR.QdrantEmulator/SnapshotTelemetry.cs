using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace VectorDR.QdrantEmulator;

/// <summary>
/// Per-collection snapshot activity, as Qdrant reports it in <c>/telemetry</c> → <c>collections.snapshots[]</c>.
/// There is no task API in Qdrant, so this is how a client observes <c>wait=false</c> work (API-NOTES §1.2).
/// </summary>
internal sealed class SnapshotTelemetry
{
    private readonly ConcurrentDictionary<string, Counters> _byCollection = new(StringComparer.Ordinal);

    /// <summary>Marks a snapshot creation as running until disposed; counts it as created when <c>Complete</c> is called.</summary>
    public Activity Creating(string collection)
    {
        var counters = _byCollection.GetOrAdd(collection, _ => new Counters());
        Interlocked.Increment(ref counters.RunningSnapshots);
        return new Activity(() => Interlocked.Decrement(ref counters.RunningSnapshots), () => Interlocked.Increment(ref counters.TotalCreations));
    }

    /// <summary>Marks a snapshot recovery into <paramref name="collection"/> as running until disposed.</summary>
    public Activity Recovering(string collection)
    {
        var counters = _byCollection.GetOrAdd(collection, _ => new Counters());
        Interlocked.Increment(ref counters.RunningRecoveries);
        return new Activity(() => Interlocked.Decrement(ref counters.RunningRecoveries), static () => { });
    }

    public JsonArray Describe(IEnumerable<string> collections)
    {
        var result = new JsonArray();
        foreach (var name in collections)
        {
            var counters = _byCollection.GetOrAdd(name, _ => new Counters());
            result.Add(new JsonObject
            {
                ["id"] = name,
                ["running_snapshots"] = Volatile.Read(ref counters.RunningSnapshots),
                ["running_snapshot_recovery"] = Volatile.Read(ref counters.RunningRecoveries),
                ["total_snapshot_creations"] = Volatile.Read(ref counters.TotalCreations),
            });
        }

        return result;
    }

    private sealed class Counters
    {
        public int RunningSnapshots;
        public int RunningRecoveries;
        public int TotalCreations;
    }

    /// <summary>A running operation; <see cref="Complete"/> records success, disposing ends it either way.</summary>
    public sealed class Activity(Action end, Action succeeded) : IDisposable
    {
        private int _disposed;

        public void Complete() => succeeded();

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                end();
            }
        }
    }
}
