namespace VectorDR.Qdrant.Json;

/// <summary>Wire shapes → the public records of <see cref="IQdrantClient"/>.</summary>
internal static class WireMapping
{
    public static SnapshotDescription ToSnapshot(this WireSnapshotDescription s) =>
        new(s.Name, s.Size, SnapshotTime.Parse(s.CreationTime), s.Checksum);

    public static ClusterStatus ToClusterStatus(this WireClusterStatus s) =>
        new(string.Equals(s.Status, "enabled", StringComparison.OrdinalIgnoreCase), s.PeerId,
            (s.Peers ?? []).ToDictionary(p => p.Key, p => p.Value.Uri, StringComparer.Ordinal));

    public static CollectionClusterInfo ToCollectionCluster(this WireCollectionClusterInfo c) =>
        new(c.PeerId, c.ShardCount,
            [.. c.LocalShards.Select(s => new LocalShardInfo(s.ShardId, s.PointsCount, s.State))],
            [.. c.RemoteShards.Select(s => new RemoteShardInfo(s.ShardId, s.PeerId, s.State))]);

    /// <summary>Wire value of <see cref="SnapshotPriority"/> for a query string (<c>no_sync|snapshot|replica</c>).</summary>
    public static string ToWire(this SnapshotPriority priority) => priority switch
    {
        SnapshotPriority.NoSync => "no_sync",
        SnapshotPriority.Snapshot => "snapshot",
        SnapshotPriority.Replica => "replica",
        _ => throw new ArgumentOutOfRangeException(nameof(priority), priority, "unknown snapshot priority"),
    };
}
