using System.Text.Json;
using System.Text.Json.Nodes;
using VectorDR.QdrantEmulator.Http;
using VectorDR.QdrantEmulator.Model;

namespace VectorDR.QdrantEmulator.Endpoints;

/// <summary>Exact (brute-force) search and id-ordered scrolling over all shards.</summary>
internal static class Search
{
    public static List<StoredPoint> Scroll(Collection collection, PointId? offset, int take, PointFilter? filter)
    {
        var page = new List<StoredPoint>();
        foreach (var shard in collection.Shards)
        {
            var ordered = shard.Ordered();
            var added = 0;
            for (var i = LowerBound(ordered, offset); i < ordered.Length && added < take; i++)
            {
                if (filter is null || filter.Matches(ordered[i]))
                {
                    page.Add(ordered[i]);
                    added++;
                }
            }
        }

        page.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        return page.Count > take ? page[..take] : page;
    }

    public static List<(StoredPoint Point, float Score)> Query(Collection collection, JsonNode? query, string? vectorName, int limit,
        int offset, float? threshold, PointFilter? filter)
    {
        if (query is null)
        {
            // Without a query Qdrant returns points ordered by id.
            return Scroll(collection, null, offset + limit, filter).Skip(offset).Select(p => (p, 0f)).ToList();
        }

        var slot = collection.Config.IndexOfVector(vectorName);
        if (slot < 0)
        {
            throw QdrantApiException.BadInput($"Not existing vector name error: {vectorName ?? string.Empty}");
        }

        var spec = collection.Config.Vectors[slot];
        var (vector, exclude) = QueryVector(collection, spec, slot, query);
        var higherBetter = Scoring.HigherIsBetter(spec.Distance);
        var comparer = Comparer<(float Score, PointId Id)>.Create((a, b) =>
        {
            // Orders worst first: the heap's root is the candidate to evict.
            var byScore = higherBetter ? a.Score.CompareTo(b.Score) : b.Score.CompareTo(a.Score);
            return byScore != 0 ? byScore : b.Id.CompareTo(a.Id);
        });
        var keep = offset + limit;
        var heap = new PriorityQueue<StoredPoint, (float Score, PointId Id)>(keep + 1, comparer);
        foreach (var shard in collection.Shards)
        {
            foreach (var point in shard.Ordered())
            {
                if (point.Vectors.Length <= slot || point.Vectors[slot] is not { } stored || point.Id == exclude)
                {
                    continue;
                }

                if (stored.Length != vector.Length)
                {
                    throw QdrantApiException.Internal($"stored vector of point {point.Id} has dimension {stored.Length}, expected {vector.Length}");
                }

                var score = Scoring.Score(spec.Distance, vector, stored);
                if (threshold is { } t && (higherBetter ? score < t : score > t))
                {
                    continue;
                }

                if (filter is not null && !filter.Matches(point))
                {
                    continue;
                }

                var key = (score, point.Id);
                if (heap.Count < keep)
                {
                    heap.Enqueue(point, key);
                }
                else if (heap.TryPeek(out _, out var worst) && comparer.Compare(worst, key) < 0)
                {
                    heap.DequeueEnqueue(point, key);
                }
            }
        }

        var results = new List<(StoredPoint, float)>(heap.Count);
        while (heap.TryDequeue(out var point, out var key))
        {
            results.Add((point, key.Score));
        }

        results.Reverse(); // best first
        return results.Skip(offset).ToList();
    }

    private static (float[] Vector, PointId? Exclude) QueryVector(Collection collection, VectorSpec spec, int slot, JsonNode query)
    {
        var target = query is JsonObject obj && obj["nearest"] is { } nearest ? nearest : query;
        switch (target)
        {
            case JsonArray array when array.All(v => v is JsonValue):
                return (PointParser.ToVector(spec, array), null);
            case JsonValue:
                var id = PointId.Parse(target);
                var point = collection.ShardFor(id).Get(id) ?? throw QdrantApiException.NotFound($"No point with id {id} found");
                var stored = point.Vectors.Length > slot ? point.Vectors[slot] : null;
                return (stored ?? throw QdrantApiException.BadInput($"Point {id} has no vector {spec.Name}"), id);
            default:
                throw QdrantApiException.BadRequest("the emulator supports only dense nearest queries (vector or point id)");
        }
    }

    private static int LowerBound(StoredPoint[] ordered, PointId? offset)
    {
        if (offset is not { } from)
        {
            return 0;
        }

        int lo = 0, hi = ordered.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (ordered[mid].Id.CompareTo(from) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
