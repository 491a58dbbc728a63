using System.Text.Json;
using System.Text.Json.Nodes;
using VectorDR.QdrantEmulator.Http;
using VectorDR.QdrantEmulator.Model;

namespace VectorDR.QdrantEmulator.Endpoints;

/// <summary>Aliases: listing and the ordered action list of <c>POST /collections/aliases</c>.</summary>
internal static class AliasEndpoints
{
    public static void Map(WebApplication app, QdrantNode node)
    {
        app.MapGet("/aliases", () => List(node.Registry.Aliases()));
        app.MapGet("/collections/{collection}/aliases", (string collection) =>
        {
            var c = node.Registry.Get(collection);
            return List(node.Registry.Aliases(c.Name));
        });
        app.MapPost("/collections/aliases", async (HttpContext context) =>
        {
            var body = await RequestReader.ReadObjectAsync(context, context.RequestAborted);
            if (body["actions"] is not JsonArray actions)
            {
                throw QdrantApiException.JsonFormat("missing field `actions`");
            }

            node.Registry.ApplyAliasActions(actions.Select(ParseAction).ToList());
            return EnvelopeResult.Ok(true);
        });
    }

    private static EnvelopeResult List(IReadOnlyList<(string Alias, string Collection)> aliases) => EnvelopeResult.Ok(w =>
    {
        w.WriteStartObject();
        w.WriteStartArray("aliases");
        foreach (var (alias, collection) in aliases)
        {
            w.WriteStartObject();
            w.WriteString("alias_name", alias);
            w.WriteString("collection_name", collection);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static AliasAction ParseAction(JsonNode? action)
    {
        if (action is JsonObject { Count: 1 } obj)
        {
            var (kind, value) = obj.First();
            if (value is JsonObject args)
            {
                switch (kind)
                {
                    case "create_alias":
                        return new AliasAction.Create(Required(args, "collection_name"), Required(args, "alias_name"));
                    case "delete_alias":
                        return new AliasAction.Delete(Required(args, "alias_name"));
                    case "rename_alias":
                        return new AliasAction.Rename(Required(args, "old_alias_name"), Required(args, "new_alias_name"));
                }
            }
        }

        throw QdrantApiException.JsonFormat("data did not match any variant of untagged enum AliasOperations");
    }

    private static string Required(JsonObject args, string field) =>
        args[field] is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>()
            : throw QdrantApiException.JsonFormat($"missing field `{field}`");
}
