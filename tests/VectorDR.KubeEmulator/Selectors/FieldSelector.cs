using System.Text.Json.Nodes;
using VectorDR.KubeEmulator.Api;

namespace VectorDR.KubeEmulator.Selectors;

/// <summary>
/// Field selectors: <c>field=value</c>, <c>field==value</c>, <c>field!=value</c>. Like the real server only a per-kind set
/// of fields is selectable (metadata.name and metadata.namespace everywhere); others are rejected with 400.
/// </summary>
internal sealed class FieldSelector
{
    private readonly IReadOnlyList<(string Field, bool Equal, string Value)> _terms;

    private FieldSelector(IReadOnlyList<(string, bool, string)> terms) => _terms = terms;

    public static FieldSelector Everything { get; } = new([]);

    /// <summary>The name this selector pins (metadata.name=x), which kubectl uses for single-object watches.</summary>
    public string? PinnedName => _terms.FirstOrDefault(t => t.Field == "metadata.name" && t.Equal).Value;

    public bool Matches(JsonObject obj) => _terms.All(t => (Read(obj, t.Field) == t.Value) == t.Equal);

    public static FieldSelector Parse(string? selector, ResourceType type)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            return Everything;
        }

        var terms = new List<(string, bool, string)>();
        foreach (var raw in selector.Split(','))
        {
            var term = raw.Trim();
            if (term.Length == 0)
            {
                continue;
            }

            var (op, at) = term.IndexOf("!=", StringComparison.Ordinal) is var ne and > 0 ? ("!=", ne)
                : term.IndexOf("==", StringComparison.Ordinal) is var eq and > 0 ? ("==", eq)
                : ("=", term.IndexOf('='));
            if (at <= 0)
            {
                throw ApiException.BadRequest($"invalid field selector: \"{selector}\"");
            }

            var field = term[..at].Trim();
            if (!IsSelectable(type, field))
            {
                throw ApiException.BadRequest($"field label not supported: {field}");
            }

            terms.Add((field, op != "!=", term[(at + op.Length)..].Trim()));
        }

        return new FieldSelector(terms);
    }

    private static bool IsSelectable(ResourceType type, string field)
    {
        if (field is "metadata.name" or "metadata.namespace")
        {
            return true;
        }

        return (type.Group, type.Resource) switch
        {
            ("", "events") => field.StartsWith("involvedObject.", StringComparison.Ordinal) || field is "reason" or "reportingComponent" or "source" or "type",
            ("events.k8s.io", "events") => field.StartsWith("regarding.", StringComparison.Ordinal) || field is "reason" or "reportingController" or "type",
            ("", "pods") => field is "spec.nodeName" or "spec.restartPolicy" or "spec.schedulerName" or "spec.serviceAccountName" or "status.phase" or "status.podIP" or "status.nominatedNodeName",
            ("", "secrets") => field is "type",
            ("", "namespaces") => field is "status.phase",
            ("batch", "jobs") => field is "status.successful",
            _ => false,
        };
    }

    private static string Read(JsonObject obj, string field)
    {
        JsonNode? node = obj;
        foreach (var part in field.Split('.'))
        {
            node = node is JsonObject o ? o[part] : null;
        }

        if (node is null && field == "metadata.namespace")
        {
            return "";
        }

        return node switch
        {
            null => "",
            JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => v.GetValue<string>(),
            _ => node.ToJsonString(),
        };
    }
}
