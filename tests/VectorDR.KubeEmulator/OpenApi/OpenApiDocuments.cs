using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using VectorDR.KubeEmulator.Api;
using VectorDR.KubeEmulator.Patching;

namespace VectorDR.KubeEmulator.OpenApi;

/// <summary>Finds strategic-merge patch metadata for a built-in kind.</summary>
internal interface IPatchMetaSource
{
    IPatchMeta? For(ResourceType type);

    /// <summary>A pruner for a built-in kind's unknown fields, or null when its schema is not available.</summary>
    BuiltInPruner? PrunerFor(ResourceType type);
}

/// <summary>
/// Serves <c>/openapi/v3</c>: the index and one document per group version. Built-in groups use the real generated
/// documents from ../shared/kubernetes when present (kubectl explain, client-side validation and strategic merge read them);
/// custom resources get a document generated from the CRD's schema the way the apiextensions server builds it
/// (PATCH operations carry the <c>fieldValidation</c> parameter so kubectl leaves validation to the server).
/// </summary>
internal sealed class OpenApiDocuments : IPatchMetaSource
{
    private static readonly string[] MetaRoots =
    [
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
        "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
        "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
    ];

    private readonly ResourceRegistry _registry;
    private readonly IReadOnlyDictionary<string, string> _builtInFiles;
    private readonly ConcurrentDictionary<string, JsonObject> _builtInDocs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Path, long Generation), Document> _rendered = new();

    public OpenApiDocuments(ResourceRegistry registry, string? builtInDirectory)
    {
        _registry = registry;
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        if (builtInDirectory is not null && Directory.Exists(builtInDirectory))
        {
            foreach (var file in Directory.GetFiles(builtInDirectory, "*_openapi.json"))
            {
                // "apis__batch__v1_openapi.json" → "apis/batch/v1"
                var name = Path.GetFileName(file)[..^"_openapi.json".Length].Replace("__", "/", StringComparison.Ordinal);
                files[name] = file;
            }
        }

        _builtInFiles = files;
    }

    /// <summary>A rendered document with its content hash (the <c>?hash=</c> in the index, used by clients as a cache key).</summary>
    internal sealed record Document(byte[] Json, string Hash);

    public JsonObject Index()
    {
        var paths = new JsonObject();
        foreach (var gvPath in _registry.All.Select(t => t.GroupVersionPath).Distinct().OrderBy(p => p, StringComparer.Ordinal))
        {
            var document = Get(gvPath)!;
            paths[gvPath] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{gvPath}?hash={document.Hash}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>The document for "api/v1" or "apis/group/version", or null when nothing is served there.</summary>
    public Document? Get(string gvPath)
    {
        var types = _registry.All.Where(t => t.GroupVersionPath == gvPath).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var generation = _registry.Generation;
        foreach (var stale in _rendered.Keys.Where(k => k.Generation != generation))
        {
            // Documents of earlier registry generations are never asked for again.
            _rendered.TryRemove(stale, out _);
        }

        return _rendered.GetOrAdd((gvPath, generation), _ =>
        {
            var json = Encoding.UTF8.GetBytes(Build(gvPath, types).ToJsonString());
            return new Document(json, Convert.ToHexString(SHA512.HashData(json)));
        });
    }

    public IPatchMeta? For(ResourceType type) =>
        BuiltInKindSchema(type) is var (schema, schemas) ? new SchemaPatchMeta(schema, schemas) : null;

    public BuiltInPruner? PrunerFor(ResourceType type) =>
        BuiltInKindSchema(type) is var (schema, schemas) ? new BuiltInPruner(schema, schemas) : null;

    private (JsonObject Schema, JsonObject Schemas)? BuiltInKindSchema(ResourceType type)
    {
        if (type.IsCustom || LoadBuiltIn(type.GroupVersionPath) is not { } doc || doc["components"]?["schemas"] is not JsonObject schemas)
        {
            return null;
        }

        foreach (var (_, schema) in schemas)
        {
            if (schema?["x-kubernetes-group-version-kind"] is JsonArray gvks &&
                gvks.Any(g => g?["kind"]?.GetValue<string>() == type.Kind && g["group"]?.GetValue<string>() == type.Group && g["version"]?.GetValue<string>() == type.Version))
            {
                return (schema.AsObject(), schemas);
            }
        }

        return null;
    }

    private JsonObject Build(string gvPath, IReadOnlyList<ResourceType> types)
    {
        if (LoadBuiltIn(gvPath) is { } builtIn && types.All(t => !t.IsCustom))
        {
            return builtIn;
        }

        var schemas = new JsonObject();
        CopyMetaSchemas(schemas);
        var paths = new JsonObject();
        foreach (var type in types)
        {
            var schemaName = SchemaName(type);
            schemas[schemaName] = KindSchema(type);
            schemas[schemaName + "List"] = ListSchema(type, schemaName);
            AddPaths(paths, type, schemaName);
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes CRD Swagger", ["version"] = "v0.1.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private JsonObject? LoadBuiltIn(string gvPath)
    {
        if (!_builtInFiles.TryGetValue(gvPath, out var file))
        {
            return null;
        }

        return _builtInDocs.GetOrAdd(gvPath, _ => JsonNode.Parse(File.ReadAllBytes(file))!.AsObject());
    }

    private void CopyMetaSchemas(JsonObject target)
    {
        if (LoadBuiltIn("api/v1")?["components"]?["schemas"] is JsonObject core)
        {
            var pending = new Queue<string>(MetaRoots);
            while (pending.TryDequeue(out var name))
            {
                if (target.ContainsKey(name) || core[name] is not JsonObject schema)
                {
                    continue;
                }

                target[name] = schema.DeepClone();
                foreach (var reference in References(schema))
                {
                    pending.Enqueue(reference);
                }
            }
        }

        foreach (var name in MetaRoots)
        {
            target[name] ??= new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
        }
    }

    private static IEnumerable<string> References(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(kv => kv.Key == "$ref" && kv.Value is JsonValue v
            ? [v.GetValue<string>().Split('/')[^1]]
            : References(kv.Value)),
        JsonArray a => a.SelectMany(References),
        _ => [],
    };

    private static string SchemaName(ResourceType type)
    {
        var group = type.Group.Length == 0 ? "core" : string.Join('.', type.Group.Split('.').Reverse());
        return type.IsCustom ? $"{group}.{type.Version}.{type.Kind}" : $"io.k8s.api.{type.Group.Split('.')[0]}.{type.Version}.{type.Kind}";
    }

    private static JsonObject KindSchema(ResourceType type)
    {
        var schema = type.Custom?.RawSchema?.DeepClone().AsObject()
            ?? new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
        var properties = schema["properties"] as JsonObject ?? new JsonObject();
        schema["properties"] = properties;
        properties["apiVersion"] = new JsonObject
        {
            ["description"] = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
            ["type"] = "string",
        };
        properties["kind"] = new JsonObject
        {
            ["description"] = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
            ["type"] = "string",
        };
        properties["metadata"] = new JsonObject
        {
            ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" }),
            ["default"] = new JsonObject(),
            ["description"] = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
        };
        schema["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(type, type.Kind));
        return schema;
    }

    private static JsonObject ListSchema(ResourceType type, string schemaName) => new()
    {
        ["description"] = $"{type.Kind}List is a list of {type.Kind}",
        ["type"] = "object",
        ["required"] = new JsonArray("items"),
        ["properties"] = new JsonObject
        {
            ["apiVersion"] = new JsonObject { ["type"] = "string" },
            ["kind"] = new JsonObject { ["type"] = "string" },
            ["items"] = new JsonObject
            {
                ["description"] = $"List of {type.Resource}.",
                ["type"] = "array",
                ["items"] = new JsonObject { ["$ref"] = $"#/components/schemas/{schemaName}" },
            },
            ["metadata"] = new JsonObject
            {
                ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta" }),
                ["default"] = new JsonObject(),
            },
        },
        ["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(type, type.ListKind)),
    };

    private static void AddPaths(JsonObject paths, ResourceType type, string schemaName)
    {
        var prefix = "/" + type.GroupVersionPath + (type.Namespaced ? "/namespaces/{namespace}/" : "/") + type.Resource;
        var kindRef = $"#/components/schemas/{schemaName}";
        var listRef = $"#/components/schemas/{schemaName}List";
        paths[prefix] = new JsonObject
        {
            ["get"] = Operation(type, "list", listRef, []),
            ["post"] = Operation(type, "post", kindRef, WriteParameters()),
            ["delete"] = Operation(type, "deletecollection", "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Status", []),
            ["parameters"] = PathParameters(type.Namespaced, named: false),
        };
        paths[prefix + "/{name}"] = new JsonObject
        {
            ["get"] = Operation(type, "get", kindRef, []),
            ["put"] = Operation(type, "put", kindRef, WriteParameters()),
            ["patch"] = Operation(type, "patch", kindRef, WriteParameters(), patch: true),
            ["delete"] = Operation(type, "delete", "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Status", []),
            ["parameters"] = PathParameters(type.Namespaced, named: true),
        };
        if (type.HasStatusSubresource)
        {
            paths[prefix + "/{name}/status"] = new JsonObject
            {
                ["get"] = Operation(type, "get", kindRef, []),
                ["put"] = Operation(type, "put", kindRef, WriteParameters()),
                ["patch"] = Operation(type, "patch", kindRef, WriteParameters(), patch: true),
                ["parameters"] = PathParameters(type.Namespaced, named: true),
            };
        }

        if (type.Namespaced)
        {
            paths["/" + type.GroupVersionPath + "/" + type.Resource] = new JsonObject { ["get"] = Operation(type, "list", listRef, []) };
        }
    }

    private static JsonObject Operation(ResourceType type, string action, string responseRef, JsonArray parameters, bool patch = false)
    {
        var operation = new JsonObject
        {
            ["description"] = $"{action} {type.Kind}",
            ["operationId"] = $"{action}{type.Kind}",
            ["parameters"] = parameters,
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject
                {
                    ["description"] = "OK",
                    ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = responseRef } } },
                },
            },
            ["x-kubernetes-action"] = action,
            ["x-kubernetes-group-version-kind"] = Gvk(type, type.Kind),
        };
        if (patch)
        {
            var content = new JsonObject();
            foreach (var mediaType in new[] { "application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml" })
            {
                content[mediaType] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch" } };
            }

            operation["requestBody"] = new JsonObject { ["content"] = content, ["required"] = true };
        }

        return operation;
    }

    private static JsonArray WriteParameters() => new(
        QueryParameter("dryRun", "When present, indicates that modifications should not be persisted."),
        QueryParameter("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes."),
        QueryParameter("fieldValidation", "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict."));

    private static JsonArray PathParameters(bool namespaced, bool named)
    {
        var parameters = new JsonArray();
        if (named)
        {
            parameters.Add(new JsonObject { ["name"] = "name", ["in"] = "path", ["required"] = true, ["description"] = "name of the object", ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } });
        }

        if (namespaced)
        {
            parameters.Add(new JsonObject { ["name"] = "namespace", ["in"] = "path", ["required"] = true, ["description"] = "object name and auth scope, such as for teams and projects", ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } });
        }

        return parameters;
    }

    private static JsonObject QueryParameter(string name, string description) => new()
    {
        ["name"] = name,
        ["in"] = "query",
        ["description"] = description,
        ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
    };

    private static JsonObject Gvk(ResourceType type, string kind) => new() { ["group"] = type.Group, ["kind"] = kind, ["version"] = type.Version };

    /// <summary>Navigates an OpenAPI schema (following $ref and single-element allOf) for patch strategy and merge keys.</summary>
    private sealed class SchemaPatchMeta(JsonObject schema, JsonObject schemas) : IPatchMeta
    {
        public string? Strategy => schema["x-kubernetes-patch-strategy"]?.GetValue<string>();
        public string? MergeKey => schema["x-kubernetes-patch-merge-key"]?.GetValue<string>();

        public IPatchMeta? Items => Resolve(schema["items"]);

        public IPatchMeta? Property(string field) => Resolve(Target()["properties"]?[field]);

        private JsonObject Target() => Dereference(schema);

        private JsonObject Dereference(JsonObject node)
        {
            for (var depth = 0; depth < 10; depth++)
            {
                var reference = node["$ref"]?.GetValue<string>() ?? (node["allOf"] is JsonArray { Count: 1 } allOf ? allOf[0]?["$ref"]?.GetValue<string>() : null);
                if (reference is null || schemas[reference.Split('/')[^1]] is not JsonObject next)
                {
                    return node;
                }

                node = next;
            }

            return node;
        }

        private IPatchMeta? Resolve(JsonNode? node) => node is JsonObject o ? new SchemaPatchMeta(o, schemas) : null;
    }
}
