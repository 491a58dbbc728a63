using System.Text.Json;
using VectorDR.Core;
using VectorDR.Core.Repository;
using VectorDR.Qdrant;

namespace VectorDR.Engine.Verification;

/// <summary>
/// Captures probe queries at backup time and replays them after a restore. A probe is a point of the collection
/// used as a query vector, with the ids of its exact top-k neighbours; a faithful restore returns the same ids.
/// </summary>
public static class Probes
{
    /// <summary>How many ids to scan when sampling: enough to spread probes over a large part of a big collection
    /// without scrolling all of it.</summary>
    private const int SampleScanLimit = 20_000;

    private const int ScrollPageSize = 1_000;

    private const int QueriesPerBatch = 16;

    /// <summary>
    /// Samples up to <paramref name="count"/> points (reservoir sampling over the first ids, deterministic for a
    /// given <paramref name="seed"/>), and records each one's exact top-<paramref name="topK"/> neighbours.
    /// Returns null when the collection is empty or has no dense vector to query.
    /// </summary>
    public static async Task<ProbeSet?> CaptureAsync(IQdrantClient qdrant, CollectionInfo info, string collection,
        int count, int topK, int seed, CancellationToken cancellationToken)
    {
        if (count <= 0) return null;
        var vectorName = DenseVectorName(info.Vectors, out var hasDense);
        if (!hasDense) return null;

        var random = new Random(seed);
        var reservoir = new List<PointId>(count);
        var seen = 0;
        PointId? offset = null;
        do
        {
            var page = await qdrant.ScrollAsync(collection, new ScrollRequest(ScrollPageSize, offset), cancellationToken).ConfigureAwait(false);
            foreach (var p in page.Points)
            {
                seen++;
                if (reservoir.Count < count) reservoir.Add(p.Id);
                else if (random.Next(seen) is var j && j < count) reservoir[j] = p.Id;
            }
            offset = page.NextPageOffset;
        }
        while (offset is not null && seen < SampleScanLimit);

        if (reservoir.Count == 0) return null;
        reservoir.Sort((a, b) => string.CompareOrdinal(a.ToString(), b.ToString()));

        var sampled = new List<(PointId Id, float[] Vector)>(reservoir.Count);
        foreach (var id in reservoir)
        {
            // Scrolling from an id with limit 1 returns that point: a retrieve-by-id that needs no extra endpoint.
            var page = await qdrant.ScrollAsync(collection, new ScrollRequest(1, id, WithVector: true), cancellationToken).ConfigureAwait(false);
            if (page.Points is [var point] && point.Id == id && ExtractVector(point.Vector, vectorName) is { } vector)
                sampled.Add((id, vector));
        }

        var neighbours = await QueryAsync(qdrant, collection, sampled.Select(s => s.Vector).ToList(), topK, vectorName, cancellationToken)
            .ConfigureAwait(false);
        var probes = sampled.Select((s, i) => new Probe { PointId = s.Id, Vector = s.Vector, ExpectedIds = neighbours[i].Select(h => h.Id).ToArray() })
            .ToList();
        return probes.Count == 0 ? null : new ProbeSet { TopK = topK, Using = vectorName, Probes = probes };
    }

    /// <summary>Replays the probes against <paramref name="collection"/> and returns the mean recall@k (1.0 = identical).</summary>
    public static async Task<double> MeasureRecallAsync(IQdrantClient qdrant, string collection, ProbeSet probes,
        CancellationToken cancellationToken)
    {
        if (probes.Probes.Count == 0) return 1.0;
        var hits = await QueryAsync(qdrant, collection, probes.Probes.Select(p => p.Vector).ToList(), probes.TopK, probes.Using, cancellationToken)
            .ConfigureAwait(false);
        double total = 0;
        for (var i = 0; i < probes.Probes.Count; i++)
        {
            var expected = probes.Probes[i].ExpectedIds.ToHashSet();
            total += expected.Count == 0 ? 1.0 : (double)hits[i].Count(h => expected.Contains(h.Id)) / expected.Count;
        }
        return total / probes.Probes.Count;
    }

    /// <summary>
    /// Exact top-k neighbours of each vector, in batches: every exact query scans the whole collection, and a batch
    /// lets Qdrant run its queries together instead of one request after another. Batches stay small so one request
    /// never runs into Qdrant's timeout.
    /// </summary>
    private static async Task<IReadOnlyList<IReadOnlyList<ScoredPoint>>> QueryAsync(IQdrantClient qdrant, string collection,
        IReadOnlyList<float[]> vectors, int topK, string? vectorName, CancellationToken cancellationToken)
    {
        var results = new List<IReadOnlyList<ScoredPoint>>(vectors.Count);
        foreach (var batch in vectors.Chunk(QueriesPerBatch))
        {
            var queries = batch.Select(v => new NearestQuery(v, topK, Exact: true, vectorName)).ToList();
            results.AddRange(await qdrant.QueryNearestBatchAsync(collection, queries, cancellationToken).ConfigureAwait(false));
        }
        return results;
    }

    /// <summary>The vector to probe: null for a single unnamed vector, else the first named vector (ordinal order).</summary>
    private static string? DenseVectorName(JsonElement vectors, out bool hasDense)
    {
        hasDense = true;
        if (vectors.ValueKind == JsonValueKind.Object && vectors.TryGetProperty("size", out _))
        {
            hasDense = IsSingleDenseVector(vectors);
            return null;
        }
        if (vectors.ValueKind == JsonValueKind.Object)
        {
            var names = vectors.EnumerateObject().Where(p => IsSingleDenseVector(p.Value))
                .Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
            if (names.Count > 0) return names[0];
        }
        hasDense = false;
        return null;
    }

    /// <summary>Multivectors cannot be queried with one flat vector, so they cannot serve as probes.</summary>
    private static bool IsSingleDenseVector(JsonElement vectorParams) =>
        vectorParams.ValueKind == JsonValueKind.Object &&
        (!vectorParams.TryGetProperty("multivector_config", out var m) || m.ValueKind == JsonValueKind.Null);

    private static float[]? ExtractVector(JsonElement? raw, string? name)
    {
        if (raw is not { } v) return null;
        if (name is not null)
        {
            if (v.ValueKind != JsonValueKind.Object || !v.TryGetProperty(name, out v)) return null;
        }
        if (v.ValueKind != JsonValueKind.Array) return null;
        var result = new float[v.GetArrayLength()];
        var i = 0;
        foreach (var x in v.EnumerateArray())
        {
            if (x.ValueKind != JsonValueKind.Number) return null;
            result[i++] = x.GetSingle();
        }
        return result;
    }
}
