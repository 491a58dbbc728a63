using System.Text.Json;
using System.Text.Json.Nodes;
using VectorDR.QdrantEmulator.Http;
using VectorDR.QdrantEmulator.Model;

namespace VectorDR.QdrantEmulator.Endpoints;

/// <summary>Collections and payload indexes (API-NOTES §10.2).</summary>
internal static class CollectionEndpoints
{
    private static readonly string[] PayloadTypes = ["keyword", "integer", "float", "geo", "text", "bool", "datetime", "uuid"];

    public static void Map(WebApplication app, QdrantNode node)
    {
        app.MapGet("/collections", () => EnvelopeResult.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("collections");
            foreach (var name in node.Registry.Names())
            {
                w.WriteStartObject();
                w.WriteString("name", name);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }));

        app.MapGet("/collections/{collection}", (string collection) => EnvelopeResult.Ok(Info(node, node.Registry.Get(collection))));

        app.MapGet("/collections/{collection}/exists", (string collection) =>
            EnvelopeResult.Ok(new JsonObject { ["exists"] = node.Registry.Exists(collection) }));

        app.MapPut("/collections/{collection}", async (HttpContext context, string collection) =>
        {
            RequestReader.ValidateCollectionName(collection, strict: true);
            var body = await RequestReader.ReadObjectAsync(context, context.RequestAborted);
            node.Registry.Create(collection, CollectionConfig.FromCreateRequest(body));
            return EnvelopeResult.Ok(true);
        });

        app.MapPatch("/collections/{collection}", async (HttpContext context, string collection) =>
        {
            _ = await RequestReader.ReadObjectAsync(context, context.RequestAborted);
            node.Registry.Get(collection);
            // Accepted and ignored: the emulator has no optimizer/HNSW parameters to change.
            return EnvelopeResult.Ok(true);
        });

        app.MapDelete("/collections/{collection}", (string collection) =>
        {
            RequestReader.ValidateCollectionName(collection, strict: false);
            return EnvelopeResult.Ok(node.Registry.Delete(collection));
        });

        app.MapPut("/collections/{collection}/index", async (HttpContext context, string collection) =>
        {
            var c = node.Registry.Get(collection);
            var body = await RequestReader.ReadObjectAsync(context, context.RequestAborted);
            var field = RequestReader.OptionalString(body, "field_name") ?? throw QdrantApiException.JsonFormat("missing field `field_name`");
            var schema = body["field_schema"] ?? throw QdrantApiException.BadInput("Can't auto-detect field type, please specify `field_schema` in the request");
            ValidateFieldSchema(schema);
            c.SetPayloadIndex(field, schema);
            return UpdateResult(c, RequestReader.QueryBool(context, "wait", false));
        });

        app.MapDelete("/collections/{collection}/index/{field}", (HttpContext context, string collection, string field) =>
        {
            var c = node.Registry.Get(collection);
            c.RemovePayloadIndex(field);
            return UpdateResult(c, RequestReader.QueryBool(context, "wait", false));
        });
    }

    public static EnvelopeResult UpdateResult(Collection collection, bool wait) => EnvelopeResult.Ok(new JsonObject
    {
        ["operation_id"] = collection.NextOperationId(),
        ["status"] = wait ? "completed" : "acknowledged",
    });

    private static void ValidateFieldSchema(JsonNode schema)
    {
        var type = schema switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            JsonObject o when o["type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String => t.GetValue<string>(),
            _ => null,
        };
        if (type is null || !PayloadTypes.Contains(type))
        {
            throw QdrantApiException.JsonFormat("data did not match any variant of untagged enum PayloadFieldSchema");
        }
    }

    private static JsonObject Info(QdrantNode node, Collection collection)
    {
        var schema = new JsonObject();
        var indexes = collection.PayloadIndexes();
        var all = indexes.Count == 0 ? [] : collection.Shards.SelectMany(s => s.Ordered()).ToList();
        foreach (var (field, fieldSchema) in indexes)
        {
            var info = new JsonObject
            {
                ["data_type"] = fieldSchema is JsonObject o ? o["type"]!.DeepClone() : fieldSchema.DeepClone(),
            };
            if (fieldSchema is JsonObject)
            {
                info["params"] = fieldSchema.DeepClone();
            }

            info["points"] = all.Count(p => p.Payload is { } payload && PayloadTools.HasTopLevelKey(payload, field));
            schema[field] = info;
        }

        var segmentPoints = node.Options.SegmentPoints;
        var segments = collection.Shards.Sum(s => Math.Max(1, (s.Count + segmentPoints - 1) / segmentPoints));
        return new JsonObject
        {
            ["status"] = "green",
            ["optimizer_status"] = "ok",
            ["indexed_vectors_count"] = 0,
            ["points_count"] = collection.PointCount,
            ["segments_count"] = segments,
            ["config"] = collection.Config.ToInfoJson(),
            ["payload_schema"] = schema,
        };
    }
}
