using System.Globalization;
using System.Text.Json.Nodes;

namespace VectorDR.KubeEmulator.Storage;

/// <summary>Small accessors for <c>metadata</c> on raw JSON objects.</summary>
internal static class Meta
{
    /// <summary>metadata of <paramref name="obj"/>, created when missing.</summary>
    public static JsonObject Of(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject meta)
        {
            return meta;
        }

        meta = new JsonObject();
        obj["metadata"] = meta;
        return meta;
    }

    public static string? Str(JsonObject obj, string field) =>
        obj["metadata"] is JsonObject meta && meta[field] is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;

    public static string? Name(JsonObject obj) => Str(obj, "name");
    public static string? Namespace(JsonObject obj) => Str(obj, "namespace");
    public static string? Uid(JsonObject obj) => Str(obj, "uid");
    public static string? ResourceVersion(JsonObject obj) => Str(obj, "resourceVersion");
    public static bool IsDeleting(JsonObject obj) => Str(obj, "deletionTimestamp") is not null;

    public static long Generation(JsonObject obj) =>
        obj["metadata"] is JsonObject meta && meta["generation"] is JsonValue v && long.TryParse(v.ToJsonString(), out var g) ? g : 0;

    public static IReadOnlyDictionary<string, string> Labels(JsonObject obj)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (obj["metadata"] is JsonObject meta && meta["labels"] is JsonObject map)
        {
            foreach (var (key, value) in map)
            {
                labels[key] = value?.GetValueKind() == System.Text.Json.JsonValueKind.String ? value.GetValue<string>() : value?.ToJsonString() ?? "";
            }
        }

        return labels;
    }

    public static List<string> Finalizers(JsonObject obj) =>
        obj["metadata"] is JsonObject meta && meta["finalizers"] is JsonArray list
            ? list.Select(f => f?.GetValue<string>() ?? "").ToList()
            : [];

    public static void SetFinalizers(JsonObject obj, IReadOnlyCollection<string> finalizers)
    {
        var meta = Of(obj);
        if (finalizers.Count == 0)
        {
            meta.Remove("finalizers");
        }
        else
        {
            meta["finalizers"] = new JsonArray(finalizers.Select(f => (JsonNode)JsonValue.Create(f)).ToArray());
        }
    }

    public static IEnumerable<JsonObject> OwnerReferences(JsonObject obj) =>
        obj["metadata"] is JsonObject meta && meta["ownerReferences"] is JsonArray refs ? refs.OfType<JsonObject>() : [];

    /// <summary>RFC 3339 with second precision in UTC, the form metav1.Time serializes to.</summary>
    public static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
