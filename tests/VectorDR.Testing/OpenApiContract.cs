using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using NJsonSchema;
using NJsonSchema.Infrastructure;
using NJsonSchema.Validation;

namespace VectorDR.Testing;

/// <summary>
/// Validates JSON request and response bodies against an OpenAPI 3.0 document (e.g. Qdrant's
/// <c>shared/qdrant/openapi.json</c>), for contract tests of clients and emulators.
/// </summary>
/// <remarks>
/// <para>How it works: all <c>components.schemas</c> and every operation's JSON request/response schema are put into
/// one JSON-Schema document as <c>definitions</c> (<c>#/components/schemas/X</c> refs are rewritten to
/// <c>#/definitions/X</c>), loaded once with NJsonSchema in <see cref="SchemaType.OpenApi3"/> mode so that
/// OpenAPI's <c>nullable: true</c> is honoured, and validated with <see cref="SchemaType.OpenApi3"/> semantics.</para>
/// <para>Status codes are matched like OpenAPI: the exact code, then its range (<c>4XX</c>), then <c>default</c>.
/// A status the operation does not declare, or a declared response without a JSON body, is reported as an error.</para>
/// <para>Path templates are the spec's keys, e.g. <c>/collections/{collection_name}/snapshots</c>;
/// <see cref="FindPathTemplate"/> maps a concrete path to its template.</para>
/// <para>Thread-safe; load once per document (see <see cref="Qdrant"/>) — loading takes about a second.</para>
/// </remarks>
public sealed class OpenApiContract
{
    private static readonly Lazy<OpenApiContract> QdrantContract = new(() => Load(RepoPaths.QdrantOpenApiPath));
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options"];

    private readonly JsonObject _paths;
    private readonly JsonSchema _root;
    private readonly IReadOnlyDictionary<string, string> _definitionKeys;
    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new(StringComparer.Ordinal);

    private OpenApiContract(JsonObject paths, JsonSchema root, IReadOnlyDictionary<string, string> definitionKeys)
    {
        _paths = paths;
        _root = root;
        _definitionKeys = definitionKeys;
    }

    /// <summary>Qdrant 1.19's contract (<see cref="RepoPaths.QdrantOpenApiPath"/>), loaded once per process.</summary>
    public static OpenApiContract Qdrant => QdrantContract.Value;

    /// <summary>All path templates of the document.</summary>
    public IEnumerable<string> PathTemplates => _paths.Select(p => p.Key);

    public static OpenApiContract Load(string openApiPath) => LoadAsync(openApiPath).GetAwaiter().GetResult();

    public static async Task<OpenApiContract> LoadAsync(string openApiPath, CancellationToken ct = default)
    {
        var document = JsonNode.Parse(await File.ReadAllTextAsync(openApiPath, ct)) as JsonObject
            ?? throw new InvalidDataException($"{openApiPath} is not a JSON object");
        var paths = document["paths"] as JsonObject ?? throw new InvalidDataException($"{openApiPath} has no paths");
        var definitions = new JsonObject();
        if (document["components"]?["schemas"] is JsonObject components)
        {
            foreach (var (name, schema) in components)
            {
                definitions[name] = RewriteRefs(schema?.DeepClone());
            }
        }

        // Operation schemas become definitions too, under synthetic keys, so one load resolves everything.
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (template, item) in paths)
        {
            foreach (var method in Methods)
            {
                if (item?[method] is not JsonObject operation)
                {
                    continue;
                }

                if (operation["requestBody"]?["content"]?["application/json"]?["schema"] is { } request)
                {
                    Register(keys, definitions, RequestKey(method, template), request);
                }

                if (operation["responses"] is JsonObject responses)
                {
                    foreach (var (status, response) in responses)
                    {
                        if (response?["content"]?["application/json"]?["schema"] is { } schema)
                        {
                            Register(keys, definitions, ResponseKey(method, template, status), schema);
                        }
                    }
                }
            }
        }

        var rootJson = new JsonObject { ["definitions"] = definitions }.ToJsonString();
        var root = await JsonSchemaSerialization.FromJsonAsync<JsonSchema>(
            rootJson,
            SchemaType.OpenApi3,
            documentPath: null,
            JsonReferenceResolver.CreateJsonReferenceResolverFactory(new DefaultTypeNameGenerator()),
            JsonSchema.CreateJsonSerializerContractResolver(SchemaType.OpenApi3),
            ct);
        return new OpenApiContract(paths, root, keys);
    }

    /// <summary>Whether the document declares <paramref name="method"/> on <paramref name="pathTemplate"/>.</summary>
    public bool HasOperation(string method, string pathTemplate) => Operation(method, pathTemplate) is not null;

    /// <summary>
    /// Validates a response body. Returns the validation errors; an empty list means the body conforms to the
    /// schema declared for that status (exact code, else its <c>NXX</c> range, else <c>default</c>).
    /// </summary>
    public IReadOnlyList<string> ValidateResponse(string method, string pathTemplate, int statusCode, string json)
    {
        var operation = Operation(method, pathTemplate);
        if (operation is null)
        {
            return [$"{method.ToUpperInvariant()} {pathTemplate} is not in the document"];
        }

        var responses = operation["responses"] as JsonObject;
        var code = statusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var status = new[] { code, $"{code[0]}XX", "default" }.FirstOrDefault(s => responses?.ContainsKey(s) == true);
        if (status is null)
        {
            return [$"{method.ToUpperInvariant()} {pathTemplate} does not declare status {statusCode}"];
        }

        return _definitionKeys.TryGetValue(ResponseKey(method.ToLowerInvariant(), pathTemplate, status), out var key)
            ? Validate(key, json)
            : [$"{method.ToUpperInvariant()} {pathTemplate} status {status} declares no application/json body"];
    }

    /// <summary>Validates a JSON request body against the operation's <c>requestBody</c> schema.</summary>
    public IReadOnlyList<string> ValidateRequest(string method, string pathTemplate, string json)
    {
        if (Operation(method, pathTemplate) is null)
        {
            return [$"{method.ToUpperInvariant()} {pathTemplate} is not in the document"];
        }

        return _definitionKeys.TryGetValue(RequestKey(method.ToLowerInvariant(), pathTemplate), out var key)
            ? Validate(key, json)
            : [$"{method.ToUpperInvariant()} {pathTemplate} declares no application/json request body"];
    }

    /// <summary>Validates JSON against a named schema of <c>components.schemas</c> (e.g. <c>SnapshotDescription</c>).</summary>
    public IReadOnlyList<string> ValidateSchema(string componentName, string json) =>
        _root.Definitions.ContainsKey(componentName) ? Validate(componentName, json) : [$"no component schema {componentName}"];

    /// <summary>
    /// The path template matching a concrete path (e.g. <c>/collections/a/snapshots</c> →
    /// <c>/collections/{collection_name}/snapshots</c>) for that method; literal segments win over parameters.
    /// </summary>
    public string? FindPathTemplate(string method, string concretePath)
    {
        var segments = concretePath.Split('?')[0].Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        return _paths
            .Where(p => p.Value?[method.ToLowerInvariant()] is JsonObject)
            .Select(p => (Template: p.Key, Parts: p.Key.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries)))
            .Where(t => t.Parts.Length == segments.Length &&
                        t.Parts.Zip(segments).All(x => x.First.StartsWith('{') || x.First == Uri.UnescapeDataString(x.Second)))
            .OrderByDescending(t => t.Parts.Count(p => !p.StartsWith('{')))
            .Select(t => t.Template)
            .FirstOrDefault();
    }

    private JsonObject? Operation(string method, string pathTemplate) =>
        _paths[pathTemplate]?[method.ToLowerInvariant()] as JsonObject;

    private IReadOnlyList<string> Validate(string definition, string json)
    {
        var schema = _schemas.GetOrAdd(definition, d => _root.Definitions[d]);
        try
        {
            using var _ = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            return [$"body is not JSON: {e.Message}"];
        }

        var validator = new JsonSchemaValidator();
        try
        {
            return validator.Validate(json, schema, SchemaType.OpenApi3).Select(Describe).ToList();
        }
        catch (InvalidCastException e)
        {
            // NJsonSchema 11 cannot compare integers above long.MaxValue (Newtonsoft reads them as BigInteger) with
            // a schema minimum; report it instead of throwing, so callers see which body could not be checked.
            return [$"validator could not check this body (integer above 2^63-1?): {e.Message}"];
        }
    }

    private static string Describe(ValidationError error) => error switch
    {
        ChildSchemaValidationError child => $"{error.Path}: {error.Kind} ({string.Join("; ", child.Errors.SelectMany(e => e.Value).Select(Describe))})",
        _ => $"{(string.IsNullOrEmpty(error.Path) ? "#" : error.Path)}: {error.Kind}{(error.Property is null ? string.Empty : $" [{error.Property}]")}",
    };

    private static void Register(Dictionary<string, string> keys, JsonObject definitions, string key, JsonNode schema)
    {
        var name = $"__op{keys.Count}";
        keys[key] = name;
        definitions[name] = RewriteRefs(schema.DeepClone());
    }

    private static string RequestKey(string method, string template) => $"{method} {template} request";

    private static string ResponseKey(string method, string template, string status) => $"{method} {template} {status}";

    /// <summary>Rewrites <c>#/components/schemas/X</c> to <c>#/definitions/X</c> throughout a schema.</summary>
    private static JsonNode? RewriteRefs(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    if (key == "$ref" && obj[key] is JsonValue v && v.GetValue<string>() is { } target &&
                        target.StartsWith("#/components/schemas/", StringComparison.Ordinal))
                    {
                        obj[key] = "#/definitions/" + target["#/components/schemas/".Length..];
                    }
                    else
                    {
                        RewriteRefs(obj[key]);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    RewriteRefs(item);
                }

                break;
        }

        return node;
    }
}
