using System.Text.Json;
using System.Text.Json.Nodes;
using VectorDR.QdrantEmulator.Http;
using VectorDR.QdrantEmulator.Model;

namespace VectorDR.QdrantEmulator.Endpoints;

/// <summary>One nearest query of a /points/query or /points/query/batch request; no <c>Query</c> means id order.</summary>
internal sealed record QuerySpec(JsonNode? Query, string? VectorName, int Limit, int Offset, float? Threshold, PointFilter? Filter);

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
        int offset, float? threshold, PointFilter? filter) =>
        QueryBatch(collection, [new QuerySpec(query, vectorName, limit, offset, threshold, filter)])[0];

    /// <summary>
    /// Answers several queries with one pass over the points (as Qdrant does for a batch): each stored vector is read
    /// once and scored against every query while it is in cache.
    /// </summary>
    public static List<List<(StoredPoint Point, float Score)>> QueryBatch(Collection collection, IReadOnlyList<QuerySpec> queries)
    {
        var results = new List<(StoredPoint Point, float Score)>[queries.Count];
        var rankers = new List<(int Index, Ranker Ranker)>();
        for (var i = 0; i < queries.Count; i++)
        {
            var q = queries[i];
            if (q.Query is null)
            {
                // Without a query Qdrant returns points ordered by id.
                results[i] = Scroll(collection, null, q.Offset + q.Limit, q.Filter).Skip(q.Offset).Select(p => (p, 0f)).ToList();
            }
            else
            {
                rankers.Add((i, Ranker.Create(collection, q)));
            }
        }

        if (rankers.Count > 0)
        {
            foreach (var shard in collection.Shards)
            {
                foreach (var point in shard.Ordered())
                {
                    foreach (var (_, ranker) in rankers)
                    {
                        ranker.Offer(point);
                    }
                }
            }

            foreach (var (index, ranker) in rankers)
            {
                results[index] = ranker.Results();
            }
        }

        return [.. results];
    }

    /// <summary>The running top <c>offset + limit</c> of one nearest query.</summary>
    private sealed class Ranker
    {
        private readonly int _slot;
        private readonly float[] _vector;
        private readonly PointId? _exclude;
        private readonly Distance _distance;
        private readonly bool _higherBetter;
        private readonly QuerySpec _query;
        private readonly IComparer<(float Score, PointId Id)> _comparer;
        private readonly PriorityQueue<StoredPoint, (float Score, PointId Id)> _heap;
        private readonly int _keep;

        private Ranker(QuerySpec query, int slot, VectorSpec spec, float[] vector, PointId? exclude)
        {
            _query = query;
            _slot = slot;
            _vector = vector;
            _exclude = exclude;
            _distance = spec.Distance;
            var higherBetter = _higherBetter = Scoring.HigherIsBetter(spec.Distance);
            _comparer = Comparer<(float Score, PointId Id)>.Create((a, b) =>
            {
                // Orders worst first: the heap's root is the candidate to evict.
                var byScore = higherBetter ? a.Score.CompareTo(b.Score) : b.Score.CompareTo(a.Score);
                return byScore != 0 ? byScore : b.Id.CompareTo(a.Id);
            });
            _keep = query.Offset + query.Limit;
            _heap = new PriorityQueue<StoredPoint, (float Score, PointId Id)>(_keep + 1, _comparer);
        }

        /// <summary>Validates the query against the collection (an unknown vector name fails the whole request).</summary>
        public static Ranker Create(Collection collection, QuerySpec query)
        {
            var slot = collection.Config.IndexOfVector(query.VectorName);
            if (slot < 0)
            {
                throw QdrantApiException.BadInput($"Not existing vector name error: {query.VectorName ?? string.Empty}");
            }

            var spec = collection.Config.Vectors[slot];
            var (vector, exclude) = QueryVector(collection, spec, slot, query.Query!);
            return new Ranker(query, slot, spec, vector, exclude);
        }

        public void Offer(StoredPoint point)
        {
            if (point.Vectors.Length <= _slot || point.Vectors[_slot] is not { } stored || point.Id == _exclude)
            {
                return;
            }

            if (stored.Length != _vector.Length)
            {
                throw QdrantApiException.Internal($"stored vector of point {point.Id} has dimension {stored.Length}, expected {_vector.Length}");
            }

            var score = Scoring.Score(_distance, _vector, stored);
            if (_query.Threshold is { } t && (_higherBetter ? score < t : score > t))
            {
                return;
            }

            if (_query.Filter is { } filter && !filter.Matches(point))
            {
                return;
            }

            var key = (score, point.Id);
            if (_heap.Count < _keep)
            {
                _heap.Enqueue(point, key);
            }
            else if (_heap.TryPeek(out _, out var worst) && _comparer.Compare(worst, key) < 0)
            {
                _heap.DequeueEnqueue(point, key);
            }
        }

        public List<(StoredPoint Point, float Score)> Results()
        {
            var results = new List<(StoredPoint, float)>(_heap.Count);
            while (_heap.TryDequeue(out var point, out var key))
            {
                results.Add((point, key.Score));
            }

            results.Reverse(); // best first
            return results.Skip(_query.Offset).ToList();
        }
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
