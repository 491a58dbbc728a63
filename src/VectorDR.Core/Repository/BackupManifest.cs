using System.Text.Json;
using System.Text.Json.Serialization;

namespace VectorDR.Core.Repository;

/// <summary>
/// <c>backups/&lt;backupId&gt;/manifest.json</c>: the record of one committed backup (format documented in
/// docs/repository-format.md). It is written last; its presence is what makes a backup exist.
/// </summary>
public sealed record BackupManifest
{
    /// <summary>"major.minor". Readers refuse versions newer than they know (docs/repository-format.md).</summary>
    public required string FormatVersion { get; init; }

    public required string BackupId { get; init; }

    /// <summary>"namespace/name" of the BackupPolicy that made it, or null for a backup taken by hand.</summary>
    public string? Policy { get; init; }

    /// <summary>The vectordr version that wrote the backup.</summary>
    public required string CreatedBy { get; init; }

    public required SourceInfo Source { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset CompletedAt { get; init; }

    public required IReadOnlyList<CollectionManifest> Collections { get; init; }

    [JsonIgnore]
    public long TotalSizeBytes => Collections.Sum(c => c.Parts.Sum(p => p.SizeBytes));

    [JsonIgnore]
    public long TotalPoints => Collections.Sum(c => c.PointCount);
}

/// <summary>Where the data came from. <see cref="Url"/> never carries credentials.</summary>
public sealed record SourceInfo
{
    public required string Url { get; init; }
    public required string QdrantVersion { get; init; }
    public string? QdrantCommit { get; init; }

    /// <summary>"standalone" or "distributed".</summary>
    public required string Topology { get; init; }

    /// <summary>Number of peers in the cluster (1 when standalone).</summary>
    public int Peers { get; init; } = 1;
}

public sealed record CollectionManifest
{
    public required string Name { get; init; }

    /// <summary><c>CollectionInfo.config</c> exactly as Qdrant returned it (snake_case, all options).</summary>
    public required JsonElement Config { get; init; }

    /// <summary><c>CollectionInfo.payload_schema</c>: the payload indexes, exactly as Qdrant returned them.</summary>
    public required JsonElement PayloadSchema { get; init; }

    /// <summary>Aliases that pointed at the collection when it was backed up. Restore does not recreate them.</summary>
    public required IReadOnlyList<string> Aliases { get; init; }

    /// <summary>Exact point count (<c>points/count</c> with <c>exact:true</c>) right after the snapshot was taken.</summary>
    public required long PointCount { get; init; }

    /// <summary>
    /// Exact count before the snapshot, recorded only when it differs from <see cref="PointCount"/>: the collection
    /// was written to during the backup, so the snapshot holds a count somewhere between the two.
    /// </summary>
    public long? PointCountBeforeSnapshot { get; init; }

    public required IReadOnlyList<PartManifest> Parts { get; init; }

    /// <summary>Probe queries for restore verification; null when none could be taken (e.g. empty collection).</summary>
    public ProbeSet? Probes { get; init; }
}

public static class PartContents
{
    /// <summary>A Qdrant collection snapshot (all local shards of one node).</summary>
    public const string Collection = "collection";

    /// <summary>A Qdrant shard snapshot holding one shard (format 1.1).</summary>
    public const string Shard = "shard";
}

public sealed record PartManifest
{
    /// <summary>Object key relative to the backup directory, e.g. <c>docs/collection.snapshot</c>.</summary>
    public required string Key { get; init; }

    /// <summary><see cref="PartContents.Collection"/> or <see cref="PartContents.Shard"/>.</summary>
    public required string Contents { get; init; }

    /// <summary>The shard this part holds when <see cref="Contents"/> is <c>shard</c>.</summary>
    public int? ShardId { get; init; }

    public required long SizeBytes { get; init; }

    /// <summary>Lower-case hex SHA-256 of the part's bytes, computed while they streamed.</summary>
    public required string Sha256 { get; init; }

    /// <summary>Points held by this part when known.</summary>
    public long? Points { get; init; }

    /// <summary>The snapshot's name on the Qdrant server that produced it (for the audit trail).</summary>
    public string? SnapshotName { get; init; }
}

/// <summary>
/// Points sampled at backup time with their exact top-<see cref="TopK"/> neighbours. After a restore the same
/// queries must return the same ids (recall@k).
/// </summary>
public sealed record ProbeSet
{
    public required int TopK { get; init; }

    /// <summary>The named vector queried, or null for a collection with a single unnamed vector.</summary>
    public string? Using { get; init; }

    public required IReadOnlyList<Probe> Probes { get; init; }
}

public sealed record Probe
{
    public required PointId PointId { get; init; }
    public required float[] Vector { get; init; }
    public required IReadOnlyList<PointId> ExpectedIds { get; init; }
}
