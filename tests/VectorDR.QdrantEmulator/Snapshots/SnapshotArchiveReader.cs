using System.Formats.Tar;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using VectorDR.QdrantEmulator.Model;

namespace VectorDR.QdrantEmulator.Snapshots;

/// <summary>What a snapshot file holds, as far as the emulator cares.</summary>
internal sealed record SnapshotContent(
    string? Version,
    CollectionConfig? Config,
    IReadOnlyList<KeyValuePair<string, JsonNode>> PayloadIndexes,
    IReadOnlyDictionary<int, List<StoredPoint>> Shards);

/// <summary>Reads snapshot tars written by <see cref="SnapshotArchiveWriter"/> (any tar format TarReader accepts).</summary>
internal static class SnapshotArchiveReader
{
    /// <summary>Reads a collection snapshot; <paramref name="slotsFor"/> picks the vector slots to load points into.</summary>
    public static SnapshotContent ReadCollection(string path, Func<CollectionConfig, IReadOnlyList<VectorSpec>> slotsFor) =>
        Read(path, isShard: false, _ => throw new InvalidDataException("unreachable"), slotsFor);

    /// <summary>Reads a shard snapshot (one shard directory at the tar root) into the given vector slots.</summary>
    public static List<StoredPoint> ReadShard(string path, IReadOnlyList<VectorSpec> slots)
    {
        var content = Read(path, isShard: true, _ => slots, _ => slots);
        return content.Shards.TryGetValue(0, out var points) ? points : [];
    }

    private static SnapshotContent Read(string path, bool isShard, Func<CollectionConfig?, IReadOnlyList<VectorSpec>> shardSlots,
        Func<CollectionConfig, IReadOnlyList<VectorSpec>> slotsFor)
    {
        string? version = null;
        CollectionConfig? config = null;
        IReadOnlyList<VectorSpec>? slots = isShard ? shardSlots(null) : null;
        var indexes = new List<KeyValuePair<string, JsonNode>>();
        var shards = new Dictionary<int, List<StoredPoint>>();
        var sawAnything = false;
        var sawShardFiles = false;

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var reader = new TarReader(file);
        while (reader.GetNextEntry() is { } entry)
        {
            sawAnything = true;
            var name = entry.Name.TrimStart('.', '/');
            sawShardFiles |= isShard && name is "replica_state.json" or "shard_config.json";
            if (!isShard && name == "version.info")
            {
                version = ReadText(entry).Trim();
            }
            else if (!isShard && name == "config.json")
            {
                var json = JsonNode.Parse(ReadText(entry)) as JsonObject ?? throw new InvalidDataException("config.json is not an object");
                config = CollectionConfig.FromInternalJson(json);
                slots = slotsFor(config);
            }
            else if (!isShard && name == "payload_index.json")
            {
                if (JsonNode.Parse(ReadText(entry))?["schema"] is JsonObject schema)
                {
                    indexes.AddRange(schema.Where(p => p.Value is not null).Select(p => new KeyValuePair<string, JsonNode>(p.Key, p.Value!.DeepClone())));
                }
            }
            else if (SegmentPath(name, isShard) is { } shardId)
            {
                var points = shards.TryGetValue(shardId, out var list) ? list : shards[shardId] = [];
                if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && entry.DataStream is { } data)
                {
                    if (slots is null)
                    {
                        throw new InvalidDataException("segments found before config.json");
                    }

                    using var buffered = new BufferedStream(data, 1 << 20);
                    SegmentCodec.Read(buffered, slots, points);
                }
            }
        }

        if (!sawAnything)
        {
            throw new InvalidDataException("the file is not a tar archive");
        }

        if (!isShard && config is null)
        {
            throw new InvalidDataException("config.json is missing");
        }

        if (isShard && !sawShardFiles)
        {
            // E.g. a collection snapshot sent to a shard endpoint: refusing beats emptying the shard.
            throw new InvalidDataException("not a shard snapshot (no replica_state.json / shard_config.json at the root)");
        }

        return new SnapshotContent(version, config, indexes, shards);
    }

    /// <summary>Maps <c>&lt;n&gt;/segments/...</c> (collection) or <c>segments/...</c> (shard) to a shard id.</summary>
    private static int? SegmentPath(string name, bool isShard)
    {
        if (isShard)
        {
            return name.StartsWith("segments", StringComparison.Ordinal) ? 0 : null;
        }

        var slash = name.IndexOf('/');
        if (slash <= 0 || !int.TryParse(name.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var shardId))
        {
            return null;
        }

        return name.AsSpan(slash + 1).StartsWith("segments", StringComparison.Ordinal) ? shardId : null;
    }

    private static string ReadText(TarEntry entry)
    {
        if (entry.DataStream is null)
        {
            return string.Empty;
        }

        using var reader = new StreamReader(entry.DataStream, leaveOpen: true);
        return reader.ReadToEnd();
    }
}
