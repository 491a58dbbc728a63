using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace VectorDR.QdrantEmulator;

/// <summary>Request counters, for tests that assert on retries or on how often an endpoint was hit.</summary>
public sealed class EmulatorStats
{
    private readonly ConcurrentDictionary<string, long> _byRoute = new(StringComparer.Ordinal);
    private long _requests;
    private long _snapshotBytesSent;

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Body bytes sent by snapshot downloads and shard snapshot streams.</summary>
    public long SnapshotBytesSent => Interlocked.Read(ref _snapshotBytesSent);

    /// <summary>Requests per "METHOD /path" (concrete path, not template).</summary>
    public long RequestsTo(string method, string path) => _byRoute.GetValueOrDefault($"{method} {path}");

    internal void Record(string method, string path)
    {
        Interlocked.Increment(ref _requests);
        _byRoute.AddOrUpdate($"{method} {path}", 1, static (_, n) => n + 1);
    }

    internal void AddSnapshotBytes(long bytes) => Interlocked.Add(ref _snapshotBytesSent, bytes);

    public void Reset()
    {
        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _snapshotBytesSent, 0);
        _byRoute.Clear();
    }

    internal JsonObject Describe()
    {
        var routes = new JsonObject();
        foreach (var (route, count) in _byRoute.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            routes[route] = count;
        }

        return new JsonObject { ["requests"] = Requests, ["snapshot_bytes_sent"] = SnapshotBytesSent, ["by_route"] = routes };
    }
}
