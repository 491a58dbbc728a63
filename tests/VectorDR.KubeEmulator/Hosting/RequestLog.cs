using System.Collections.Concurrent;

namespace VectorDR.KubeEmulator;

/// <summary>One request as the emulator saw it (for assertions and benchmarks: how many lists, watches, writes).</summary>
public sealed record RequestRecord(DateTimeOffset Timestamp, string Method, string Path, string Query, bool IsWatch, int StatusCode, string? UserAgent, TimeSpan Duration);

/// <summary>A bounded, thread-safe log of requests (the oldest are dropped beyond the capacity).</summary>
public sealed class RequestLog
{
    private readonly ConcurrentQueue<RequestRecord> _records = new();
    private readonly int _capacity;
    private long _total;

    internal RequestLog(int capacity) => _capacity = Math.Max(1, capacity);

    /// <summary>Requests counted since start (or the last <see cref="Clear"/>), including any dropped from the log.</summary>
    public long Total => Interlocked.Read(ref _total);

    public IReadOnlyList<RequestRecord> Snapshot() => _records.ToArray();

    public int Count(Func<RequestRecord, bool> predicate) => _records.Count(predicate);

    public void Clear()
    {
        _records.Clear();
        Interlocked.Exchange(ref _total, 0);
    }

    internal void Add(RequestRecord record)
    {
        _records.Enqueue(record);
        Interlocked.Increment(ref _total);
        while (_records.Count > _capacity && _records.TryDequeue(out _))
        {
        }
    }
}
