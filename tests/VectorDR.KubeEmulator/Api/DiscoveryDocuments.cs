using System.Text.Json.Nodes;

namespace VectorDR.KubeEmulator.Api;

/// <summary>The legacy (unaggregated) discovery documents; clients asking for aggregated discovery fall back to them
/// because the response's Content-Type is plain application/json, as with an older server.</summary>
internal sealed class DiscoveryDocuments(ResourceRegistry registry, string serverVersion)
{
    private static readonly string[] Verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public JsonObject Version()
    {
        var parts = serverVersion.TrimStart('v').Split('.');
        return new JsonObject
        {
            ["major"] = parts[0],
            ["minor"] = parts.Length > 1 ? parts[1] : "0",
            ["gitVersion"] = serverVersion,
            ["gitCommit"] = "kube-emulator",
            ["gitTreeState"] = "clean",
            ["buildDate"] = "2026-01-01T00:00:00Z",
            ["goVersion"] = "go1.22.0",
            ["compiler"] = "gc",
            ["platform"] = "linux/amd64",
        };
    }

    public JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public JsonObject GroupList() => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(registry.Groups().OrderBy(g => g.Group, StringComparer.Ordinal).Select(g => (JsonNode)Group(g.Group, g.Versions)).ToArray()),
    };

    public JsonObject? GroupDocument(string group)
    {
        var match = registry.Groups().FirstOrDefault(g => g.Group == group);
        if (match.Group is null)
        {
            return null;
        }

        var document = Group(match.Group, match.Versions);
        document["kind"] = "APIGroup";
        document["apiVersion"] = "v1";
        return document;
    }

    public JsonObject? ResourceList(string group, string version)
    {
        var types = registry.InGroupVersion(group, version);
        if (types.Count == 0)
        {
            return null;
        }

        var resources = new JsonArray();
        foreach (var type in types.OrderBy(t => t.Resource, StringComparer.Ordinal))
        {
            var entry = new JsonObject
            {
                ["name"] = type.Resource,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = new JsonArray(Verbs.Select(v => (JsonNode)v).ToArray()),
            };
            if (type.ShortNames.Count > 0)
            {
                entry["shortNames"] = new JsonArray(type.ShortNames.Select(s => (JsonNode)s).ToArray());
            }

            if (type.Categories.Count > 0)
            {
                entry["categories"] = new JsonArray(type.Categories.Select(s => (JsonNode)s).ToArray());
            }

            entry["storageVersionHash"] = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{type.Group}/{type.Version}/{type.Kind}")))[..11];
            resources.Add(entry);
            if (type.HasStatusSubresource)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = type.Resource + "/status",
                    ["singularName"] = "",
                    ["namespaced"] = type.Namespaced,
                    ["kind"] = type.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    private static JsonObject Group(string name, IReadOnlyList<string> versions) => new()
    {
        ["name"] = name,
        ["versions"] = new JsonArray(versions.Select(v => (JsonNode)new JsonObject { ["groupVersion"] = $"{name}/{v}", ["version"] = v }).ToArray()),
        ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{name}/{versions[0]}", ["version"] = versions[0] },
    };
}
