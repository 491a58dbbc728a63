using System.Text.Json.Nodes;
using VectorDR.KubeEmulator.Schema;
using VectorDR.KubeEmulator.Storage;

namespace VectorDR.KubeEmulator.Api;

/// <summary>
/// Plays the apiextensions server's part: validates CRDs, reports them Established, and registers (or withdraws) the
/// custom resources they define so discovery, OpenAPI and the handlers see them at once.
/// </summary>
internal sealed class CustomResourceDefinitions(ResourceRegistry registry, TimeProvider time)
{
    public const string CleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io";

    public static readonly GroupResource Resource = new("apiextensions.k8s.io", "customresourcedefinitions");

    public IEnumerable<FieldError> Validate(JsonObject crd)
    {
        var spec = crd["spec"] as JsonObject;
        var group = spec?["group"]?.GetValue<string>();
        var plural = spec?["names"]?["plural"]?.GetValue<string>();
        if (string.IsNullOrEmpty(group))
        {
            yield return FieldError.Required("spec.group");
        }

        if (string.IsNullOrEmpty(plural))
        {
            yield return FieldError.Required("spec.names.plural");
        }

        if (string.IsNullOrEmpty(spec?["names"]?["kind"]?.GetValue<string>()))
        {
            yield return FieldError.Required("spec.names.kind");
        }

        if (group is not null && plural is not null && Meta.Name(crd) != $"{plural}.{group}")
        {
            yield return FieldError.Invalid("metadata.name", $"\"{Meta.Name(crd)}\"", "must be spec.names.plural+\".\"+spec.group");
        }

        var scope = spec?["scope"]?.GetValue<string>();
        if (scope is not ("Namespaced" or "Cluster"))
        {
            yield return scope is null ? FieldError.Required("spec.scope") : FieldError.NotSupported("spec.scope", $"\"{scope}\"", ["\"Cluster\"", "\"Namespaced\""]);
        }

        var versions = spec?["versions"] as JsonArray;
        if (versions is null || versions.Count == 0)
        {
            yield return FieldError.Invalid("spec.versions", "null", "must have exactly one version marked as storage version");
            yield break;
        }

        if (versions.Count(v => v?["storage"]?.GetValue<bool>() == true) != 1)
        {
            yield return FieldError.Invalid("spec.versions", "[]apiextensions.CustomResourceDefinitionVersion{...}", "must have exactly one version marked as storage version");
        }

        for (var i = 0; i < versions.Count; i++)
        {
            if (versions[i]?["schema"]?["openAPIV3Schema"] is not JsonObject)
            {
                yield return FieldError.Required($"spec.versions[{i}].schema.openAPIV3Schema", "schemas are required");
            }
            else if (versions[i]!["schema"]!["openAPIV3Schema"]!["type"]?.GetValue<string>() != "object")
            {
                yield return FieldError.Invalid($"spec.versions[{i}].schema.openAPIV3Schema.type", "\"\"", "must be object at the root");
            }
        }
    }

    /// <summary>Sets the status a healthy apiextensions server reports right after accepting a CRD.</summary>
    public void SetEstablishedStatus(JsonObject crd)
    {
        var now = Meta.Timestamp(time.GetUtcNow());
        var spec = crd["spec"]!.AsObject();
        var storedVersions = crd["status"]?["storedVersions"] as JsonArray ?? new JsonArray();
        var storage = (spec["versions"] as JsonArray)?.FirstOrDefault(v => v?["storage"]?.GetValue<bool>() == true)?["name"]?.GetValue<string>();
        if (storage is not null && !storedVersions.Any(v => v?.GetValue<string>() == storage))
        {
            storedVersions.Add(storage);
        }

        var terminating = Meta.IsDeleting(crd);
        var conditions = new JsonArray
        {
            Condition("NamesAccepted", "True", "NoConflicts", "no conflicts found", now),
            Condition("Established", terminating ? "False" : "True", terminating ? "Terminating" : "InitialNamesAccepted",
                terminating ? "the object is being deleted" : "the initial names have been accepted", now),
        };
        if (terminating)
        {
            conditions.Add(Condition("Terminating", "True", "InstanceDeletionInProgress", "CustomResource deletion is in progress", now));
        }

        crd["status"] = new JsonObject
        {
            ["conditions"] = conditions,
            ["acceptedNames"] = spec["names"]?.DeepClone(),
            ["storedVersions"] = storedVersions.DeepClone(),
        };
    }

    /// <summary>Registers the served versions of <paramref name="crd"/> (replacing any earlier registration).</summary>
    public void Register(JsonObject crd)
    {
        var name = Meta.Name(crd)!;
        var spec = crd["spec"]!.AsObject();
        var names = spec["names"]!.AsObject();
        var types = new List<ResourceType>();
        foreach (var version in (spec["versions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (version["served"]?.GetValue<bool>() == false)
            {
                continue;
            }

            var rawSchema = version["schema"]?["openAPIV3Schema"] as JsonObject;
            var hasStatus = version["subresources"]?["status"] is JsonObject;
            types.Add(new ResourceType
            {
                Group = spec["group"]!.GetValue<string>(),
                Version = version["name"]!.GetValue<string>(),
                Resource = names["plural"]!.GetValue<string>(),
                Kind = names["kind"]!.GetValue<string>(),
                Singular = names["singular"]?.GetValue<string>() ?? names["kind"]!.GetValue<string>().ToLowerInvariant(),
                Namespaced = spec["scope"]?.GetValue<string>() != "Cluster",
                ShortNames = Strings(names["shortNames"]),
                Categories = Strings(names["categories"]),
                HasStatusSubresource = hasStatus,
                TracksGeneration = true,
                DeleteReturnsObject = true,
                Custom = new CustomResourceInfo
                {
                    Schema = rawSchema is null ? null : new StructuralSchema(rawSchema.DeepClone().AsObject()),
                    RawSchema = rawSchema?.DeepClone().AsObject(),
                    PrinterColumns = version["additionalPrinterColumns"]?.DeepClone().AsArray() ?? [],
                    CrdName = name,
                    Served = true,
                    Storage = version["storage"]?.GetValue<bool>() == true,
                    Scale = version["subresources"]?["scale"]?.DeepClone().AsObject(),
                },
            });
        }

        registry.SetCustomResources(name, types);
    }

    public void Unregister(string crdName) => registry.SetCustomResources(crdName, []);

    /// <summary>The group/resource a CRD defines (its instances are cleaned up when it is deleted).</summary>
    public static GroupResource Defines(JsonObject crd) =>
        new(crd["spec"]?["group"]?.GetValue<string>() ?? "", crd["spec"]?["names"]?["plural"]?.GetValue<string>() ?? "");

    private static JsonObject Condition(string type, string status, string reason, string message, string now) => new()
    {
        ["type"] = type,
        ["status"] = status,
        ["lastTransitionTime"] = now,
        ["reason"] = reason,
        ["message"] = message,
    };

    private static IReadOnlyList<string> Strings(JsonNode? node) =>
        node is JsonArray array ? array.Select(n => n?.GetValue<string>()).OfType<string>().ToList() : [];
}
