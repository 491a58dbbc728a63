using System.Text.Json.Nodes;
using VectorDR.KubeEmulator.Api;

namespace VectorDR.KubeEmulator.Patching;

/// <summary>Where strategic merge finds a list's merge key and strategy (from the built-in OpenAPI documents).</summary>
internal interface IPatchMeta
{
    /// <summary>Meta of property <paramref name="field"/> under this node, or null when unknown.</summary>
    IPatchMeta? Property(string field);

    /// <summary>Meta of the items of this (list) node.</summary>
    IPatchMeta? Items { get; }

    /// <summary>x-kubernetes-patch-strategy ("merge", "retainKeys", "merge,retainKeys", ...).</summary>
    string? Strategy { get; }

    /// <summary>x-kubernetes-patch-merge-key.</summary>
    string? MergeKey { get; }
}

/// <summary>
/// The practical subset of Kubernetes strategic merge patch: maps merge, lists with a merge key merge element-wise by that key
/// (<c>$patch: delete</c> removes an element, <c>$patch: replace</c> replaces the list), primitive lists with strategy
/// "merge" are unioned, other lists are replaced; <c>$retainKeys</c>, <c>$deleteFromPrimitiveList/</c> and
/// <c>$setElementOrder/</c> directives are honoured.
/// </summary>
internal static class StrategicMergePatch
{
    public static JsonNode? Apply(JsonNode? original, JsonNode? patch, IPatchMeta? meta)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        switch (patchObject["$patch"]?.GetValue<string>())
        {
            case "replace":
                var replacement = patchObject.DeepClone().AsObject();
                replacement.Remove("$patch");
                return replacement;
            case "delete":
                return null;
            case { } other:
                throw ApiException.BadRequest($"Unknown patch type: {other}");
        }

        var result = original is JsonObject originalObject ? originalObject.DeepClone().AsObject() : new JsonObject();
        if (patchObject["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(k => k?.GetValue<string>()).ToHashSet();
            foreach (var key in result.Select(kv => kv.Key).Where(k => !keep.Contains(k)).ToList())
            {
                result.Remove(key);
            }
        }

        foreach (var (key, value) in patchObject)
        {
            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var field = key["$deleteFromPrimitiveList/".Length..];
                if (result[field] is JsonArray list && value is JsonArray remove)
                {
                    result[field] = new JsonArray(list.Where(item => !remove.Any(r => JsonNode.DeepEquals(r, item))).Select(i => i?.DeepClone()).ToArray());
                }

                continue;
            }

            if (key.StartsWith('$'))
            {
                continue;
            }

            var childMeta = meta?.Property(key);
            if (value is null)
            {
                result.Remove(key);
            }
            else if (value is JsonArray patchList)
            {
                result[key] = MergeList(result[key] as JsonArray, patchList, childMeta);
            }
            else
            {
                var merged = Apply(result[key], value, childMeta);
                if (merged is null)
                {
                    result.Remove(key);
                }
                else
                {
                    result[key] = merged;
                }
            }
        }

        foreach (var (key, value) in patchObject)
        {
            if (key.StartsWith("$setElementOrder/", StringComparison.Ordinal) && value is JsonArray order)
            {
                var field = key["$setElementOrder/".Length..];
                if (result[field] is JsonArray list)
                {
                    result[field] = Reorder(list, order, meta?.Property(field)?.MergeKey);
                }
            }
        }

        return result;
    }

    private static JsonArray MergeList(JsonArray? original, JsonArray patch, IPatchMeta? meta)
    {
        var strategy = meta?.Strategy ?? "";
        var mergeKey = meta?.MergeKey;
        if (!strategy.Split(',').Contains("merge"))
        {
            return StripDirectives(patch);
        }

        if (patch.Any(e => e is JsonObject o && o["$patch"]?.GetValue<string>() == "replace"))
        {
            return new JsonArray(patch.Where(e => !(e is JsonObject o && o.ContainsKey("$patch"))).Select(e => e?.DeepClone()).ToArray());
        }

        var result = original?.Select(e => e?.DeepClone()).ToList() ?? [];
        if (mergeKey is null)
        {
            // A primitive list with strategy merge (e.g. metadata.finalizers): union, keeping original order.
            foreach (var element in patch)
            {
                if (!result.Any(e => JsonNode.DeepEquals(e, element)))
                {
                    result.Add(element?.DeepClone());
                }
            }

            return new JsonArray(result.ToArray());
        }

        foreach (var element in patch)
        {
            if (element is not JsonObject patchElement)
            {
                continue;
            }

            var keyValue = patchElement[mergeKey];
            var index = result.FindIndex(e => e is JsonObject o && JsonNode.DeepEquals(o[mergeKey], keyValue));
            if (patchElement["$patch"]?.GetValue<string>() == "delete")
            {
                if (index >= 0)
                {
                    result.RemoveAt(index);
                }

                continue;
            }

            if (index >= 0)
            {
                result[index] = Apply(result[index], patchElement, meta?.Items);
            }
            else
            {
                result.Add(Apply(null, patchElement, meta?.Items));
            }
        }

        return new JsonArray(result.ToArray());
    }

    private static JsonArray StripDirectives(JsonArray list) =>
        new(list.Select(e => e is JsonObject o ? Apply(null, o, null) : e?.DeepClone()).ToArray());

    private static JsonArray Reorder(JsonArray list, JsonArray order, string? mergeKey)
    {
        JsonNode? KeyOf(JsonNode? node) => mergeKey is not null && node is JsonObject o ? o[mergeKey] : node;
        var remaining = list.Select(e => e?.DeepClone()).ToList();
        var ordered = new List<JsonNode?>();
        foreach (var wanted in order)
        {
            var index = remaining.FindIndex(e => JsonNode.DeepEquals(KeyOf(e), KeyOf(wanted)));
            if (index >= 0)
            {
                ordered.Add(remaining[index]);
                remaining.RemoveAt(index);
            }
        }

        ordered.AddRange(remaining);
        return new JsonArray(ordered.ToArray());
    }
}
