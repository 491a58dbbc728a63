using System.Text.Json;
using System.Text.Json.Nodes;
using VectorDR.QdrantEmulator.Http;
using VectorDR.QdrantEmulator.Model;

namespace VectorDR.QdrantEmulator.Endpoints;

/// <summary>Parses the two upsert body forms (<c>points</c> list and <c>batch</c>) into stored points.</summary>
internal static class PointParser
{
    public static List<StoredPoint> ParseUpsert(CollectionConfig config, JsonObject body, ulong version)
    {
        if (body["points"] is JsonArray list)
        {
            return list.Select(p => p as JsonObject ?? throw QdrantApiException.JsonFormat("invalid type: point must be an object"))
                .Select(p => new StoredPoint(
                    PointId.Parse(p["id"]),
                    Vectors(config, p["vector"] ?? throw QdrantApiException.JsonFormat("missing field `vector`")),
                    PayloadTools.Encode(p["payload"]),
                    version))
                .ToList();
        }

        if (body["batch"] is JsonObject batch)
        {
            var ids = batch["ids"] as JsonArray ?? throw QdrantApiException.JsonFormat("missing field `ids`");
            var payloads = batch["payloads"] as JsonArray;
            var points = new List<StoredPoint>(ids.Count);
            var perPoint = BatchVectors(config, batch["vectors"], ids.Count);
            for (var i = 0; i < ids.Count; i++)
            {
                points.Add(new StoredPoint(PointId.Parse(ids[i]), perPoint[i], PayloadTools.Encode(payloads?[i]), version));
            }

            return points;
        }

        throw QdrantApiException.JsonFormat("data did not match any variant of untagged enum PointInsertOperations");
    }

    private static float[]?[] Vectors(CollectionConfig config, JsonNode vector)
    {
        var result = new float[]?[config.Vectors.Count];
        switch (vector)
        {
            case JsonArray array:
                Put(config, result, string.Empty, array);
                break;
            case JsonObject named:
                foreach (var (name, value) in named)
                {
                    Put(config, result, name, value as JsonArray ?? throw QdrantApiException.JsonFormat("invalid type: vector must be an array of floats"));
                }

                break;
            default:
                throw QdrantApiException.JsonFormat("data did not match any variant of untagged enum VectorStruct");
        }

        return result;
    }

    private static float[]?[][] BatchVectors(CollectionConfig config, JsonNode? vectors, int count)
    {
        var result = Enumerable.Range(0, count).Select(_ => new float[]?[config.Vectors.Count]).ToArray();
        void Fill(string name, JsonArray rows)
        {
            if (rows.Count != count)
            {
                throw QdrantApiException.BadInput($"Number of ids and vectors must be equal: {count} ids, {rows.Count} vectors");
            }

            for (var i = 0; i < count; i++)
            {
                Put(config, result[i], name, rows[i] as JsonArray ?? throw QdrantApiException.JsonFormat("invalid type: vector must be an array of floats"));
            }
        }

        switch (vectors)
        {
            case JsonArray rows:
                Fill(string.Empty, rows);
                break;
            case JsonObject named:
                foreach (var (name, rows) in named)
                {
                    Fill(name, rows as JsonArray ?? throw QdrantApiException.JsonFormat("invalid type: expected an array of vectors"));
                }

                break;
            default:
                throw QdrantApiException.JsonFormat("missing field `vectors`");
        }

        return result;
    }

    private static void Put(CollectionConfig config, float[]?[] slots, string name, JsonArray values)
    {
        var index = config.IndexOfVector(name);
        if (index < 0)
        {
            throw QdrantApiException.BadInput($"Not existing vector name error: {name}");
        }

        slots[index] = ToVector(config.Vectors[index], values);
    }

    /// <summary>Checks the dimension and normalises Cosine vectors, as Qdrant stores them.</summary>
    public static float[] ToVector(VectorSpec spec, JsonArray values)
    {
        var vector = VectorMemory.Allocate(values.Count);
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] = values[i] is JsonValue v && v.GetValueKind() == JsonValueKind.Number
                ? v.GetValue<float>()
                : throw QdrantApiException.JsonFormat("invalid type: expected f32");
        }

        if (vector.Length != spec.Size)
        {
            throw QdrantApiException.BadInput($"Vector dimension error: expected dim: {spec.Size}, got {vector.Length}");
        }

        return spec.Distance == Distance.Cosine ? Scoring.NormalizeInPlace(vector) : vector;
    }
}
