using System.Text.Json;
using System.Text.Json.Nodes;
using VectorDR.QdrantEmulator.Http;
using VectorDR.QdrantEmulator.Model;

namespace VectorDR.QdrantEmulator.Endpoints;

/// <summary>Points: upsert, delete, get/retrieve, count, scroll, query and the legacy search (API-NOTES §10.3).</summary>
internal static class PointEndpoints
{
    public static void Map(WebApplication app, QdrantNode node)
    {
        app.MapPut("/collections/{collection}/points", async (HttpContext context, string collection) =>
        {
            var c = node.Registry.Get(collection);
            var wait = RequestReader.QueryBool(context, "wait", false);
            var body = await RequestReader.ReadObjectAsync(context, optional: false, context.RequestAborted);
            var version = c.NextOperationId();
            var points = PointParser.ParseUpsert(c.Config, body, version);
            foreach (var group in points.GroupBy(p => c.ShardFor(p.Id)))
            {
                group.Key.Upsert(group);
            }

            // Applied synchronously either way; wait=false only changes the reported status, as a client would see
            // once Qdrant's update queue caught up.
            return EnvelopeResult.Ok(new JsonObject { ["operation_id"] = version, ["status"] = wait ? "completed" : "acknowledged" });
        });

        app.MapPost("/collections/{collection}/points/delete", async (HttpContext context, string collection) =>
        {
            var c = node.Registry.Get(collection);
            var wait = RequestReader.QueryBool(context, "wait", false);
            var body = await RequestReader.ReadObjectAsync(context, optional: false, context.RequestAborted);
            IEnumerable<PointId> ids;
            if (body["points"] is JsonArray list)
            {
                ids = list.Select(PointId.Parse).ToList();
            }
            else if (PointFilter.Parse(body["filter"]) is { } filter)
            {
                ids = c.Shards.SelectMany(s => s.Ordered()).Where(filter.Matches).Select(p => p.Id).ToList();
            }
            else
            {
                throw QdrantApiException.JsonFormat("data did not match any variant of untagged enum PointsSelector");
            }

            foreach (var group in ids.GroupBy(c.ShardFor))
            {
                group.Key.Remove(group);
            }

            return CollectionEndpoints.UpdateResult(c, wait);
        });

        app.MapGet("/collections/{collection}/points/{id}", (string collection, string id) =>
        {
            var c = node.Registry.Get(collection);
            var pointId = PointId.ParsePath(id);
            var point = c.ShardFor(pointId).Get(pointId) ?? throw QdrantApiException.NotFound($"Point with id {pointId} does not exists!");
            return EnvelopeResult.Ok(w => PointWriter.Write(w, c.Config, point, new PayloadSelector(true, null, null), new VectorSelector(true, null), null));
        });

        app.MapPost("/collections/{collection}/points", async (HttpContext context, string collection) =>
        {
            var c = node.Registry.Get(collection);
            var body = await RequestReader.ReadObjectAsync(context, optional: false, context.RequestAborted);
            if (body["ids"] is not JsonArray ids)
            {
                throw QdrantApiException.JsonFormat("missing field `ids`");
            }

            var payload = PayloadSelector.Parse(body["with_payload"], true);
            var vectors = VectorSelector.Parse(body["with_vector"], false);
            var found = ids.Select(PointId.Parse).Select(id => c.ShardFor(id).Get(id)).OfType<StoredPoint>().ToList();
            return EnvelopeResult.Ok(w =>
            {
                w.WriteStartArray();
                foreach (var point in found)
                {
                    PointWriter.Write(w, c.Config, point, payload, vectors, null);
                }

                w.WriteEndArray();
            });
        });

        app.MapPost("/collections/{collection}/points/count", async (HttpContext context, string collection) =>
        {
            var c = node.Registry.Get(collection);
            var body = await RequestReader.ReadObjectAsync(context, optional: true, context.RequestAborted);
            _ = RequestReader.OptionalBool(body, "exact", true);
            var filter = PointFilter.Parse(body["filter"]);
            var count = filter is null ? c.PointCount : c.Shards.Sum(s => (long)s.Ordered().Count(filter.Matches));
            return EnvelopeResult.Ok(new JsonObject { ["count"] = count });
        });

        app.MapPost("/collections/{collection}/points/scroll", async (HttpContext context, string collection) =>
        {
            var c = node.Registry.Get(collection);
            var body = await RequestReader.ReadObjectAsync(context, optional: true, context.RequestAborted);
            var limit = (int)Math.Min(RequestReader.OptionalUInt(body, "limit", 1) ?? 10, int.MaxValue - 1);
            var offset = body["offset"] is { } o ? PointId.Parse(o) : (PointId?)null;
            var filter = PointFilter.Parse(body["filter"]);
            var payload = PayloadSelector.Parse(body["with_payload"], true);
            var vectors = VectorSelector.Parse(body["with_vector"], false);
            if (body["order_by"] is not null)
            {
                throw QdrantApiException.BadRequest("the emulator does not support order_by");
            }

            var page = Search.Scroll(c, offset, limit + 1, filter);
            return EnvelopeResult.Ok(w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("points");
                foreach (var point in page.Take(limit))
                {
                    PointWriter.Write(w, c.Config, point, payload, vectors, null);
                }

                w.WriteEndArray();
                w.WritePropertyName("next_page_offset");
                if (page.Count > limit)
                {
                    page[limit].Id.WriteTo(w);
                }
                else
                {
                    w.WriteNullValue();
                }

                w.WriteEndObject();
            });
        });

        app.MapPost("/collections/{collection}/points/query", async (HttpContext context, string collection) =>
        {
            var c = node.Registry.Get(collection);
            var body = await RequestReader.ReadObjectAsync(context, optional: true, context.RequestAborted);
            if (body["prefetch"] is not null)
            {
                throw QdrantApiException.BadRequest("the emulator does not support prefetch");
            }

            var limit = (int)Math.Min(RequestReader.OptionalUInt(body, "limit", 1) ?? 10, int.MaxValue / 2);
            var offset = (int)Math.Min(RequestReader.OptionalUInt(body, "offset", 0) ?? 0, int.MaxValue / 2);
            var filter = PointFilter.Parse(body["filter"]);
            var payload = PayloadSelector.Parse(body["with_payload"], false);
            var vectors = VectorSelector.Parse(body["with_vector"], false);
            var threshold = body["score_threshold"]?.GetValue<float>();
            var results = Search.Query(c, body["query"], RequestReader.OptionalString(body, "using"), limit, offset, threshold, filter);
            return EnvelopeResult.Ok(w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("points");
                foreach (var (point, score) in results)
                {
                    PointWriter.Write(w, c.Config, point, payload, vectors, score);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            });
        });

        // Deprecated since 1.13 and gone from the 1.19 spec, but still served by 1.19: kept for old clients.
        app.MapPost("/collections/{collection}/points/search", async (HttpContext context, string collection) =>
        {
            var c = node.Registry.Get(collection);
            var body = await RequestReader.ReadObjectAsync(context, optional: false, context.RequestAborted);
            var limit = (int)Math.Min(RequestReader.OptionalUInt(body, "limit", 1) ?? throw QdrantApiException.JsonFormat("missing field `limit`"), int.MaxValue / 2);
            var offset = (int)Math.Min(RequestReader.OptionalUInt(body, "offset", 0) ?? 0, int.MaxValue / 2);
            var (query, name) = body["vector"] switch
            {
                JsonArray array => ((JsonNode)array.DeepClone(), (string?)null),
                JsonObject named when named["vector"] is JsonArray v => (v.DeepClone(), RequestReader.OptionalString(named, "name")),
                _ => throw QdrantApiException.JsonFormat("data did not match any variant of untagged enum NamedVectorStruct"),
            };
            var results = Search.Query(c, query, name, limit, offset, body["score_threshold"]?.GetValue<float>(), PointFilter.Parse(body["filter"]));
            var payload = PayloadSelector.Parse(body["with_payload"], false);
            var vectors = VectorSelector.Parse(body["with_vector"], false);
            return EnvelopeResult.Ok(w =>
            {
                w.WriteStartArray();
                foreach (var (point, score) in results)
                {
                    PointWriter.Write(w, c.Config, point, payload, vectors, score);
                }

                w.WriteEndArray();
            });
        });
    }
}

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
        var vector = new float[values.Count];
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

        return spec.Distance == Distance.Cosine ? Scoring.Normalize(vector) : vector;
    }
}

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

/// <summary>Writes <c>Record</c> / <c>ScoredPoint</c> objects.</summary>
internal static class PointWriter
{
    public static void Write(Utf8JsonWriter w, CollectionConfig config, StoredPoint point, PayloadSelector payload, VectorSelector vectors, float? score)
    {
        w.WriteStartObject();
        w.WritePropertyName("id");
        point.Id.WriteTo(w);
        if (score is { } s)
        {
            w.WriteNumber("version", point.Version);
            w.WriteNumber("score", s);
        }

        if (payload.Enabled)
        {
            w.WritePropertyName("payload");
            if (point.Payload is { } bytes)
            {
                PayloadTools.Write(w, bytes, payload);
            }
            else
            {
                w.WriteStartObject();
                w.WriteEndObject();
            }
        }

        if (vectors.Enabled)
        {
            w.WritePropertyName("vector");
            if (!config.NamedVectors && vectors.Names is null)
            {
                WriteFloats(w, point.Vectors.Length > 0 ? point.Vectors[0] : null);
            }
            else
            {
                w.WriteStartObject();
                for (var i = 0; i < config.Vectors.Count && i < point.Vectors.Length; i++)
                {
                    if (point.Vectors[i] is { } v && (vectors.Names is null || vectors.Names.Contains(config.Vectors[i].Name)))
                    {
                        w.WritePropertyName(config.Vectors[i].Name);
                        WriteFloats(w, v);
                    }
                }

                w.WriteEndObject();
            }
        }

        w.WriteEndObject();
    }

    private static void WriteFloats(Utf8JsonWriter w, float[]? vector)
    {
        w.WriteStartArray();
        foreach (var value in vector ?? [])
        {
            w.WriteNumberValue(value);
        }

        w.WriteEndArray();
    }
}
