using System.Text.Json.Nodes;
using VectorDR.KubeEmulator.Api;

namespace VectorDR.KubeEmulator.Patching;

/// <summary>RFC 6902 JSON patch (add, remove, replace, move, copy, test) over RFC 6901 pointers.</summary>
internal static class JsonPatch
{
    public static JsonNode Apply(JsonNode document, JsonNode? patch)
    {
        if (patch is not JsonArray operations)
        {
            throw ApiException.BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        }

        var root = new JsonObject { ["doc"] = document.DeepClone() };
        foreach (var operation in operations)
        {
            if (operation is not JsonObject op || op["op"]?.GetValue<string>() is not { } name || op["path"]?.GetValue<string>() is not { } path)
            {
                throw ApiException.BadRequest("invalid JSON patch operation: missing op or path");
            }

            switch (name)
            {
                case "add":
                    Add(root, path, Value(op));
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "replace":
                    Remove(root, path);
                    Add(root, path, Value(op));
                    break;
                case "move":
                    var moved = Remove(root, From(op));
                    Add(root, path, moved);
                    break;
                case "copy":
                    Add(root, path, Resolve(root, From(op))?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Resolve(root, path), op["value"]))
                    {
                        throw Unprocessable($"testing value {path} failed: test failed");
                    }

                    break;
                default:
                    throw ApiException.BadRequest($"Unexpected kind: {name}");
            }
        }

        return root["doc"] ?? throw Unprocessable("the patch removed the whole document");
    }

    private static JsonNode? Value(JsonObject op) =>
        op.ContainsKey("value") ? op["value"]?.DeepClone() : throw ApiException.BadRequest("missing value in JSON patch operation");

    private static string From(JsonObject op) => op["from"]?.GetValue<string>() ?? throw ApiException.BadRequest("missing from in JSON patch operation");

    private static (JsonNode Parent, string Token) Locate(JsonObject root, string pointer)
    {
        var tokens = ("/doc" + pointer).Split('/').Skip(1).Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
        JsonNode current = root;
        for (var i = 0; i < tokens.Count - 1; i++)
        {
            current = Child(current, tokens[i]) ?? throw Unprocessable($"doc is missing path: {pointer}: missing value");
        }

        return (current, tokens[^1]);
    }

    private static JsonNode? Child(JsonNode node, string token) => node switch
    {
        JsonObject o => o[token],
        JsonArray a when int.TryParse(token, out var i) && i >= 0 && i < a.Count => a[i],
        _ => null,
    };

    private static JsonNode? Resolve(JsonObject root, string pointer)
    {
        var (parent, token) = Locate(root, pointer);
        return Child(parent, token);
    }

    private static void Add(JsonObject root, string pointer, JsonNode? value)
    {
        var (parent, token) = Locate(root, pointer);
        switch (parent)
        {
            case JsonObject o:
                o[token] = value;
                break;
            case JsonArray a when token == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(token, out var i) && i >= 0 && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw Unprocessable($"add operation does not apply: doc is missing path: \"{pointer}\": missing value");
        }
    }

    private static JsonNode? Remove(JsonObject root, string pointer)
    {
        var (parent, token) = Locate(root, pointer);
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(token):
                var value = o[token];
                o.Remove(token);
                return value;
            case JsonArray a when int.TryParse(token, out var i) && i >= 0 && i < a.Count:
                var item = a[i];
                a.RemoveAt(i);
                return item;
            default:
                throw Unprocessable($"remove operation does not apply: doc is missing path: \"{pointer}\": missing value");
        }
    }

    private static ApiException Unprocessable(string message) => new(422, "Invalid", message);
}
