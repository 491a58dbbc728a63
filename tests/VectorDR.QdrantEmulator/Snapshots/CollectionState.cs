using System.Text.Json.Nodes;
using VectorDR.QdrantEmulator.Model;

namespace VectorDR.QdrantEmulator.Snapshots;

/// <summary>A point-in-time copy of a collection's state, taken under the shards' locks and written without them.</summary>
internal sealed record CollectionState(
    CollectionConfig Config,
    IReadOnlyList<KeyValuePair<string, JsonNode>> PayloadIndexes,
    IReadOnlyDictionary<int, StoredPoint[]> Shards)
{
    public static CollectionState Capture(Collection collection, int? onlyShard = null) => new(
        collection.Config,
        collection.PayloadIndexes(),
        collection.Shards.Where(s => onlyShard is null || s.Id == onlyShard).ToDictionary(s => s.Id, s => s.Ordered()));
}
