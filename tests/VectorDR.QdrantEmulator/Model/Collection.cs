using System.Text.Json.Nodes;

namespace VectorDR.QdrantEmulator.Model;

/// <summary>A collection: its config, its shards (all local: the emulator is a single node) and its payload indexes.</summary>
internal sealed class Collection
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, JsonNode> _payloadIndexes = new(StringComparer.Ordinal);
    private long _lastSnapshotSecond;
    private long _operationId;

    public Collection(string name, CollectionConfig config)
    {
        Name = name;
        Config = config;
        Shards = Enumerable.Range(0, config.ShardNumber).Select(i => new Shard(i)).ToArray();
    }

    public string Name { get; }

    public CollectionConfig Config { get; }

    public IReadOnlyList<Shard> Shards { get; }

    public long PointCount => Shards.Sum(s => (long)s.Count);

    /// <summary>Routes a point id to its shard, deterministically (id modulo shard count).</summary>
    public Shard ShardFor(PointId id) => Shards[(int)(id.RoutingKey % (ulong)Shards.Count)];

    public ulong NextOperationId() => (ulong)Interlocked.Increment(ref _operationId);

    /// <summary>Payload indexes: field name → <c>PayloadFieldSchema</c> (string or params object).</summary>
    public IReadOnlyList<KeyValuePair<string, JsonNode>> PayloadIndexes()
    {
        lock (_gate)
        {
            return _payloadIndexes.Select(p => new KeyValuePair<string, JsonNode>(p.Key, p.Value.DeepClone())).ToList();
        }
    }

    public void SetPayloadIndex(string field, JsonNode schema)
    {
        lock (_gate)
        {
            _payloadIndexes[field] = schema.DeepClone();
        }
    }

    public bool RemovePayloadIndex(string field)
    {
        lock (_gate)
        {
            return _payloadIndexes.Remove(field);
        }
    }

    /// <summary>
    /// Picks the timestamp for a new snapshot name. Qdrant names have second precision and two snapshots in the
    /// same second would collide (the second overwrites the first). The emulator keeps the real name pattern
    /// but never reuses a second per collection: it takes max(now, last + 1s), so a burst of snapshots gets
    /// consecutive (possibly slightly future) timestamps instead of overwriting each other.
    /// </summary>
    public DateTime NextSnapshotTimestamp(DateTime utcNow)
    {
        var seconds = utcNow.Ticks / TimeSpan.TicksPerSecond;
        lock (_gate)
        {
            seconds = Math.Max(seconds, _lastSnapshotSecond + 1);
            _lastSnapshotSecond = seconds;
        }

        return new DateTime(seconds * TimeSpan.TicksPerSecond, DateTimeKind.Utc);
    }
}
