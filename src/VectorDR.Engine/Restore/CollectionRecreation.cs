using System.Text.Json;
using System.Text.Json.Nodes;
using VectorDR.Core.Repository;

namespace VectorDR.Engine.Restore;

/// <summary>
/// Rebuilds a collection from its manifest before shard parts are recovered into it: Qdrant's shard recovery needs the
/// collection (and the shard) to exist, and does not check that the shard's vectors match (qdrant#2913), so the
/// collection must be created exactly as the source was.
/// </summary>
public static class CollectionRecreation
{
    /// <summary><c>params</c> keys that <c>CreateCollection</c> takes at its top level.</summary>
    private static readonly string[] ParamKeys =
    [
        "vectors", "shard_number", "sharding_method", "replication_factor", "write_consistency_factor", "on_disk_payload", "sparse_vectors",
    ];

    /// <summary>Other <c>CollectionConfig</c> sections, mapped to their <c>CreateCollection</c> names.</summary>
    private static readonly (string Config, string Create)[] Sections =
    [
        ("hnsw_config", "hnsw_config"), ("optimizer_config", "optimizers_config"), ("wal_config", "wal_config"),
        ("quantization_config", "quantization_config"), ("strict_mode_config", "strict_mode_config"), ("metadata", "metadata"),
    ];

    /// <summary>A <c>CreateCollection</c> body reproducing <paramref name="collection"/>'s recorded configuration.</summary>
    public static JsonObject CreateBody(CollectionManifest collection)
    {
        var config = JsonNode.Parse(collection.Config.GetRawText())!.AsObject();
        var body = new JsonObject();
        if (config["params"] is JsonObject @params)
        {
            foreach (var key in ParamKeys)
                if (@params[key] is { } value) body[key] = value.DeepClone();
        }
        foreach (var (from, to) in Sections)
            if (config[from] is { } value) body[to] = value.DeepClone();
        return body;
    }

    /// <summary>Payload indexes as <c>(field, field_schema)</c> pairs for <c>PUT /collections/{c}/index</c>.</summary>
    public static IEnumerable<(string Field, JsonNode Schema)> PayloadIndexes(CollectionManifest collection)
    {
        if (collection.PayloadSchema.ValueKind != JsonValueKind.Object) yield break;
        foreach (var field in collection.PayloadSchema.EnumerateObject())
        {
            if (!field.Value.TryGetProperty("data_type", out var type)) continue;
            // With parameters the schema is the params object (Qdrant's carry their "type"); without, the bare type name.
            JsonNode schema;
            if (field.Value.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object)
            {
                var parameters = JsonNode.Parse(p.GetRawText())!.AsObject();
                parameters["type"] ??= JsonValue.Create(type.GetString());
                schema = parameters;
            }
            else
            {
                schema = JsonValue.Create(type.GetString())!;
            }
            yield return (field.Name, schema);
        }
    }
}
