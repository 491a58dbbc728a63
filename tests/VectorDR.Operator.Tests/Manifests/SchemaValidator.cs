using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using NJsonSchema;
using NJsonSchema.Validation;
using YamlDotNet.RepresentationModel;

namespace VectorDR.Operator.Tests.Manifests;

/// <summary>
/// Validates custom resources against the generated CRDs in-process (NJsonSchema), after turning the structural
/// OpenAPI schema into plain JSON Schema: int-or-string becomes anyOf, objects with declared properties reject
/// unknown fields (what kubectl's strict field validation does), x-kubernetes-* keys are dropped.
/// CEL rules (x-kubernetes-validations) are not evaluated here.
/// </summary>
internal static class SchemaValidator
{
    private static readonly Lazy<Dictionary<string, JsonSchema>> Schemas = new(Load);

    public static ICollection<ValidationError> Validate(string yaml) => Validate(YamlToJson(yaml));

    public static ICollection<ValidationError> Validate(JsonNode json)
    {
        var kind = json["kind"]!.GetValue<string>();
        return Schemas.Value[kind].Validate(json.ToJsonString());
    }

    private static Dictionary<string, JsonSchema> Load()
    {
        var result = new Dictionary<string, JsonSchema>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "crds"), "*.yaml"))
        {
            var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(File.ReadAllText(file));
            var schema = JsonNode.Parse(KubernetesJson.Serialize(crd.Spec.Versions[0].Schema.OpenAPIV3Schema))!;
            result[crd.Spec.Names.Kind] = JsonSchema.FromJsonAsync(Convert(schema)!.ToJsonString()).GetAwaiter().GetResult();
        }
        return result;
    }

    private static JsonNode? Convert(JsonNode? node)
    {
        if (node is not JsonObject obj) return node?.DeepClone();
        var copy = new JsonObject();
        foreach (var (key, value) in obj)
        {
            if (key.StartsWith("x-kubernetes-", StringComparison.Ordinal) || key == "default") continue;
            copy[key] = key == "properties" && value is JsonObject props
                ? new JsonObject(props.Select(p => KeyValuePair.Create(p.Key, Convert(p.Value))))
                : Convert(value);
        }
        if (obj["x-kubernetes-int-or-string"]?.GetValue<bool>() == true)
            copy["anyOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" });
        if (obj.ContainsKey("properties") && !obj.ContainsKey("additionalProperties") && obj["x-kubernetes-preserve-unknown-fields"] is null)
            copy["additionalProperties"] = false;
        return copy;
    }

    /// <summary>YAML → JSON with YAML 1.2 core-schema typing of plain scalars (quoted scalars stay strings).</summary>
    public static JsonNode YamlToJson(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return ToJson(stream.Documents[0].RootNode)!;
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } s => Plain(s.Value ?? ""),
        YamlScalarNode s => JsonValue.Create(s.Value),
        _ => throw new NotSupportedException(node.NodeType.ToString()),
    };

    private static JsonNode? Plain(string value)
    {
        if (value is "" or "null" or "~") return null;
        if (value is "true" or "false") return JsonValue.Create(value == "true");
        if (long.TryParse(value, out var l)) return JsonValue.Create(l);
        if (double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d)) return JsonValue.Create(d);
        return JsonValue.Create(value);
    }

    public static string Describe(IEnumerable<ValidationError> errors) =>
        string.Join("; ", Flatten(errors).Select(e => $"{e.Path}: {e.Kind}"));

    public static IEnumerable<ValidationError> Flatten(IEnumerable<ValidationError> errors) =>
        errors.SelectMany(e => e is ChildSchemaValidationError child
            ? new[] { e }.Concat(Flatten(child.Errors.SelectMany(kv => kv.Value)))
            : [e]);

    internal static JsonElement AsElement(JsonNode node) => JsonDocument.Parse(node.ToJsonString()).RootElement;
}
