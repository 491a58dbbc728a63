using System.Text.Json.Nodes;

namespace VectorDR.KubeEmulator.OpenApi;

/// <summary>
/// Drops fields a built-in kind does not have, as decoding into the real server's Go types does, and reports them so
/// <c>fieldValidation=Strict</c> can reject them (kubectl apply's default). Walks the kind's OpenAPI v3 schema,
/// following <c>$ref</c>/<c>allOf</c>; maps (additionalProperties), preserved and opaque fields are left alone.
/// </summary>
internal sealed class BuiltInPruner(JsonObject kindSchema, JsonObject schemas)
{
    public IReadOnlyList<string> Prune(JsonObject obj)
    {
        var unknown = new List<string>();
        PruneObject(obj, kindSchema, "", unknown);
        return unknown;
    }

    private void Prune(JsonNode? node, JsonObject schema, string path, List<string> unknown)
    {
        schema = Dereference(schema);
        switch (node)
        {
            case JsonObject obj:
                PruneObject(obj, schema, path, unknown);
                break;
            case JsonArray array when schema["items"] is JsonObject items:
                for (var i = 0; i < array.Count; i++)
                {
                    Prune(array[i], items, $"{path}[{i}]", unknown);
                }

                break;
        }
    }

    private void PruneObject(JsonObject obj, JsonObject schema, string path, List<string> unknown)
    {
        schema = Dereference(schema);
        if (schema["x-kubernetes-preserve-unknown-fields"] is JsonValue)
        {
            return;
        }

        if (schema["properties"] is not JsonObject properties)
        {
            if (schema["additionalProperties"] is JsonObject valueSchema)
            {
                foreach (var (key, value) in obj.ToList())
                {
                    Prune(value, valueSchema, Child(path, key), unknown);
                }
            }

            return;
        }

        foreach (var key in obj.Select(kv => kv.Key).ToList())
        {
            if (properties[key] is JsonObject propertySchema)
            {
                Prune(obj[key], propertySchema, Child(path, key), unknown);
            }
            else
            {
                obj.Remove(key);
                unknown.Add(Child(path, key));
            }
        }
    }

    private JsonObject Dereference(JsonObject schema)
    {
        for (var depth = 0; depth < 10; depth++)
        {
            var reference = schema["$ref"]?.GetValue<string>() ?? (schema["allOf"] is JsonArray { Count: 1 } allOf ? allOf[0]?["$ref"]?.GetValue<string>() : null);
            if (reference is null || schemas[reference.Split('/')[^1]] is not JsonObject target)
            {
                return schema;
            }

            schema = target;
        }

        return schema;
    }

    private static string Child(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";
}
