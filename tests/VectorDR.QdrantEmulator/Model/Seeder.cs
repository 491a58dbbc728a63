using System.Text;

namespace VectorDR.QdrantEmulator.Model;

/// <summary>
/// Fills a collection without HTTP. Vectors are a pure function of (seed, point id), so the same seed yields the
/// same collection in any process, and generation parallelises without shared state.
/// </summary>
internal static class Seeder
{
    public static void Fill(Collection collection, int points, int seed, bool payloads, CancellationToken ct)
    {
        var spec = collection.Config.Vectors.Single();
        const int batch = 8192;
        var batches = (points + batch - 1) / batch;
        Parallel.For(0, batches, new ParallelOptions { CancellationToken = ct }, b =>
        {
            var start = b * batch;
            var end = Math.Min(points, start + batch);
            var buckets = collection.Shards.Select(_ => new List<StoredPoint>()).ToArray();
            for (var i = start; i < end; i++)
            {
                var id = PointId.FromNumber((ulong)i);
                var vector = Vector(seed, (ulong)i, spec.Size);
                if (spec.Distance == Distance.Cosine)
                {
                    vector = Scoring.NormalizeInPlace(vector);
                }

                var payload = payloads ? Payload(i) : null;
                var point = new StoredPoint(id, [vector], payload, 0);
                buckets[collection.ShardFor(id).Id].Add(point);
            }

            for (var s = 0; s < buckets.Length; s++)
            {
                collection.Shards[s].Upsert(buckets[s]);
            }
        });
    }

    /// <summary>Deterministic pseudo-random vector in [-1, 1) from SplitMix64 over (seed, id, index).</summary>
    public static float[] Vector(int seed, ulong id, int dimensions)
    {
        var vector = VectorMemory.Allocate(dimensions);
        var state = ((ulong)(uint)seed << 32) ^ (id * 0x9E3779B97F4A7C15UL) ^ 0xD1B54A32D192ED03UL;
        for (var i = 0; i < dimensions; i++)
        {
            state += 0x9E3779B97F4A7C15UL;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            vector[i] = (float)((z >> 40) / (double)(1UL << 24) * 2.0 - 1.0);
        }

        return vector;
    }

    private static byte[] Payload(int i) =>
        Encoding.UTF8.GetBytes($"{{\"i\":{i},\"group\":\"g{i % 10}\",\"even\":{(i % 2 == 0 ? "true" : "false")}}}");
}
