using System.Text.Json;
using VectorDR.Core;

namespace VectorDR.Qdrant.Json;

// Shapes of Qdrant's responses (openapi.json, v1.19), snake_case by naming policy. Only what the client maps is
// declared; everything else in a response is skipped. `required` marks what the spec requires, so a response without
// it fails loudly (QdrantProtocolException) instead of yielding a half-empty object.

internal sealed class WireVersion
{
    public required string Title { get; init; }
    public required string Version { get; init; }
    public string? Commit { get; init; }
}

internal sealed class WireCollectionsList
{
    public required List<WireCollectionName> Collections { get; init; }
}

internal sealed class WireCollectionName
{
    public required string Name { get; init; }
}

internal sealed class WireCollectionInfo
{
    public required string Status { get; init; }
    public long? PointsCount { get; init; }
    public required JsonElement Config { get; init; }
    public required JsonElement PayloadSchema { get; init; }
}

internal sealed class WireExists
{
    public required bool Exists { get; init; }
}

internal sealed class WireAliases
{
    public required List<WireAlias> Aliases { get; init; }
}

internal sealed class WireAlias
{
    public required string AliasName { get; init; }
    public required string CollectionName { get; init; }
}

internal sealed class WireCount
{
    public required long Count { get; init; }
}

internal sealed class WireScrollResult
{
    public required List<WireRecord> Points { get; init; }
    public PointId? NextPageOffset { get; init; }
}

internal sealed class WireRecord
{
    public required PointId Id { get; init; }
    public JsonElement? Payload { get; init; }
    public JsonElement? Vector { get; init; }
}

internal sealed class WireQueryResponse
{
    public required List<WireScoredPoint> Points { get; init; }
}

internal sealed class WireScoredPoint
{
    public required PointId Id { get; init; }
    public required double Score { get; init; }
}

internal sealed class WireSnapshotDescription
{
    public required string Name { get; init; }
    public required long Size { get; init; }

    /// <summary>Naive UTC (<c>2024-01-03T13:20:11</c>, no zone), see <see cref="SnapshotTime"/>.</summary>
    public string? CreationTime { get; init; }

    public string? Checksum { get; init; }
}

internal sealed class WireClusterStatus
{
    /// <summary><c>disabled</c> on a single node, <c>enabled</c> in distributed mode.</summary>
    public required string Status { get; init; }
    public ulong? PeerId { get; init; }
    public Dictionary<string, WirePeerInfo>? Peers { get; init; }
}

internal sealed class WirePeerInfo
{
    public required string Uri { get; init; }
}

internal sealed class WireCollectionClusterInfo
{
    public required ulong PeerId { get; init; }
    public required int ShardCount { get; init; }
    public required List<WireLocalShard> LocalShards { get; init; }
    public required List<WireRemoteShard> RemoteShards { get; init; }
}

internal sealed class WireLocalShard
{
    public required int ShardId { get; init; }
    public required long PointsCount { get; init; }
    public required string State { get; init; }
}

internal sealed class WireRemoteShard
{
    public required int ShardId { get; init; }
    public required ulong PeerId { get; init; }
    public required string State { get; init; }
}
