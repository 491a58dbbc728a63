using System.Text.Json;
using System.Text.Json.Nodes;
using VectorDR.QdrantEmulator.Http;
using VectorDR.QdrantEmulator.Model;

namespace VectorDR.QdrantEmulator.Endpoints;

/// <summary>Points: upsert, delete, get/retrieve, count, scroll, query, query/batch and the legacy search (API-NOTES §10.3).</summary>
internal static class PointEndpoints
{
    public static void Map(WebApplication app, QdrantNode node)
    {
        app.MapPut("/collections/{collection}/points", async (HttpContext context, string collection) =>
        {
            var c = node.Registry.Get(collection);
            var wait = RequestReader.QueryBool(context, "wait", false);
            var body = await RequestReader.ReadObjectAsync(context, context.RequestAborted);
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
            var body = await RequestReader.ReadObjectAsync(context, context.RequestAborted);
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
            var body = await RequestReader.ReadObjectAsync(context, context.RequestAborted);
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
            var body = await RequestReader.ReadObjectAsync(context, context.RequestAborted);
            _ = RequestReader.OptionalBool(body, "exact", true);
            var filter = PointFilter.Parse(body["filter"]);
            var count = filter is null ? c.PointCount : c.Shards.Sum(s => (long)s.Ordered().Count(filter.Matches));
            return EnvelopeResult.Ok(new JsonObject { ["count"] = count });
        });

        app.MapPost("/collections/{collection}/points/scroll", async (HttpContext context, string collection) =>
        {
            var c = node.Registry.Get(collection);
            var body = await RequestReader.ReadObjectAsync(context, context.RequestAborted);
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
            var body = await RequestReader.ReadObjectAsync(context, context.RequestAborted);
            var (query, payload, vectors) = ParseQuery(body);
            var results = Search.QueryBatch(c, [query])[0];
            return EnvelopeResult.Ok(w => WriteQueryResponse(w, c, results, payload, vectors));
        });

        app.MapPost("/collections/{collection}/points/query/batch", async (HttpContext context, string collection) =>
        {
            var c = node.Registry.Get(collection);
            var body = await RequestReader.ReadObjectAsync(context, context.RequestAborted);
            if (body["searches"] is not JsonArray searches)
            {
                throw QdrantApiException.JsonFormat("missing field `searches`");
            }

            var parsed = searches.Select(s => ParseQuery(s as JsonObject ?? throw QdrantApiException.JsonFormat("searches: expected a QueryRequest object"))).ToList();
            var results = Search.QueryBatch(c, parsed.Select(p => p.Query).ToList());
            return EnvelopeResult.Ok(w =>
            {
                w.WriteStartArray();
                for (var i = 0; i < results.Count; i++)
                {
                    WriteQueryResponse(w, c, results[i], parsed[i].Payload, parsed[i].Vectors);
                }

                w.WriteEndArray();
            });
        });

        // Deprecated since 1.13 and gone from the 1.19 spec, but still served by 1.19: kept for old clients.
        app.MapPost("/collections/{collection}/points/search", async (HttpContext context, string collection) =>
        {
            var c = node.Registry.Get(collection);
            var body = await RequestReader.ReadObjectAsync(context, context.RequestAborted);
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

    /// <summary>A <c>QueryRequest</c> body: the query, and what each returned point carries.</summary>
    private static (QuerySpec Query, PayloadSelector Payload, VectorSelector Vectors) ParseQuery(JsonObject body)
    {
        if (body["prefetch"] is not null)
        {
            throw QdrantApiException.BadRequest("the emulator does not support prefetch");
        }

        var limit = (int)Math.Min(RequestReader.OptionalUInt(body, "limit", 1) ?? 10, int.MaxValue / 2);
        var offset = (int)Math.Min(RequestReader.OptionalUInt(body, "offset", 0) ?? 0, int.MaxValue / 2);
        var query = new QuerySpec(body["query"], RequestReader.OptionalString(body, "using"), limit, offset,
            body["score_threshold"]?.GetValue<float>(), PointFilter.Parse(body["filter"]));
        return (query, PayloadSelector.Parse(body["with_payload"], false), VectorSelector.Parse(body["with_vector"], false));
    }

    /// <summary>A <c>QueryResponse</c>: <c>{"points": [ScoredPoint...]}</c>.</summary>
    private static void WriteQueryResponse(Utf8JsonWriter w, Collection c, List<(StoredPoint Point, float Score)> results, PayloadSelector payload,
        VectorSelector vectors)
    {
        w.WriteStartObject();
        w.WriteStartArray("points");
        foreach (var (point, score) in results)
        {
            PointWriter.Write(w, c.Config, point, payload, vectors, score);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }
}
