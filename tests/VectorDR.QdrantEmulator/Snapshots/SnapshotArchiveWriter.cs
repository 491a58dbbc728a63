using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using VectorDR.QdrantEmulator.Model;

namespace VectorDR.QdrantEmulator.Snapshots;

/// <summary>
/// Writes snapshot tars with Qdrant's top-level shape (API-NOTES §7.2) and the emulator's own segments:
/// <c>version.info</c>, <c>config.json</c>, <c>payload_index.json</c>, <c>&lt;n&gt;/replica_state.json</c>,
/// <c>&lt;n&gt;/shard_config.json</c>, <c>&lt;n&gt;/segments/segment-NNNNNN.bin</c>. A shard snapshot has the layout of
/// one <c>&lt;n&gt;/</c> directory at the tar root.
/// </summary>
internal sealed class SnapshotArchiveWriter(string version, ulong peerId, int segmentPoints)
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    public async Task WriteCollectionAsync(Stream target, CollectionState state, CancellationToken ct)
    {
        var output = new BlockWriter(target);
        var tar = new TarArchiveWriter(output);
        await tar.AddTextAsync("version.info", version, ct);
        await tar.AddTextAsync("config.json", state.Config.ToInternalJson().ToJsonString(Compact), ct);
        await tar.AddTextAsync("payload_index.json", PayloadIndexJson(state.PayloadIndexes).ToJsonString(Compact), ct);
        foreach (var (shardId, points) in state.Shards.OrderBy(s => s.Key))
        {
            await WriteShardAsync(tar, $"{shardId}/", state.Config, points, ct);
        }

        await tar.FinishAsync(ct);
    }

    public async Task WriteShardAsync(Stream target, CollectionState state, int shardId, CancellationToken ct)
    {
        var output = new BlockWriter(target);
        var tar = new TarArchiveWriter(output);
        await WriteShardAsync(tar, string.Empty, state.Config, state.Shards[shardId], ct);
        await tar.FinishAsync(ct);
    }

    private async Task WriteShardAsync(TarArchiveWriter tar, string prefix, CollectionConfig config, StoredPoint[] points, CancellationToken ct)
    {
        if (prefix.Length > 0)
        {
            await tar.AddDirectoryAsync(prefix, ct);
        }

        var peer = peerId.ToString(CultureInfo.InvariantCulture);
        var replicaState = new JsonObject
        {
            ["is_local"] = true,
            ["this_peer_id"] = peerId,
            ["peers"] = new JsonObject { [peer] = "Active" },
        };
        await tar.AddTextAsync(prefix + "replica_state.json", replicaState.ToJsonString(Compact), ct);
        await tar.AddTextAsync(prefix + "shard_config.json", """{"type":"ReplicaSet"}""", ct);
        await tar.AddDirectoryAsync(prefix + "segments/", ct);
        for (var start = 0; start < points.Length; start += segmentPoints)
        {
            var slice = new ArraySegment<StoredPoint>(points, start, Math.Min(segmentPoints, points.Length - start));
            var size = SegmentCodec.SizeOf(config.Vectors, slice);
            var name = $"{prefix}segments/segment-{start / segmentPoints:D6}.bin";
            await tar.AddStreamedFileAsync(name, size, (w, c) => SegmentCodec.WriteAsync(w, config.Vectors, slice, c), ct);
        }
    }

    public static JsonObject PayloadIndexJson(IEnumerable<KeyValuePair<string, JsonNode>> indexes)
    {
        var schema = new JsonObject();
        foreach (var (field, fieldSchema) in indexes)
        {
            schema[field] = fieldSchema.DeepClone();
        }

        return new JsonObject { ["schema"] = schema };
    }
}
