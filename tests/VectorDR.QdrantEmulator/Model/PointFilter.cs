using System.Text.Json;
using System.Text.Json.Nodes;
using VectorDR.QdrantEmulator.Http;

namespace VectorDR.QdrantEmulator.Model;

/// <summary>
/// The subset of Qdrant's <c>Filter</c> the emulator evaluates: <c>must</c>/<c>should</c>/<c>must_not</c> (nested),
/// <c>{"key","match":{"value"|"any"|"except"}}</c>, <c>{"key","range":{gt,gte,lt,lte}}</c> and <c>{"has_id":[..]}</c>.
/// Anything else is rejected with 400 rather than silently ignored (a wrong answer would be worse).
/// </summary>
internal sealed class PointFilter
{
    private readonly Func<StoredPoint, Lazy<JsonNode?>, bool> _predicate;

    private PointFilter(Func<StoredPoint, Lazy<JsonNode?>, bool> predicate) => _predicate = predicate;

    public static PointFilter? Parse(JsonNode? node) => node is null ? null : new PointFilter(ParseFilter(node));

    public bool Matches(StoredPoint point) =>
        _predicate(point, new Lazy<JsonNode?>(() => point.Payload is null ? null : JsonNode.Parse(point.Payload)));

    private static Func<StoredPoint, Lazy<JsonNode?>, bool> ParseFilter(JsonNode node)
    {
        if (node is not JsonObject filter)
        {
            throw QdrantApiException.JsonFormat("invalid type: filter must be an object");
        }

        var must = Conditions(filter["must"]);
        var should = Conditions(filter["should"]);
        var mustNot = Conditions(filter["must_not"]);
        if (filter.Any(p => p.Key is not ("must" or "should" or "must_not")))
        {
            throw QdrantApiException.BadRequest("the emulator supports only must/should/must_not filters");
        }

        return (point, payload) =>
            must.All(c => c(point, payload)) &&
            (should.Count == 0 || should.Any(c => c(point, payload))) &&
            !mustNot.Any(c => c(point, payload));
    }

    private static List<Func<StoredPoint, Lazy<JsonNode?>, bool>> Conditions(JsonNode? node) => node switch
    {
        null => [],
        JsonArray array => array.Select(c => ParseCondition(c!)).ToList(),
        _ => [ParseCondition(node)],
    };

    private static Func<StoredPoint, Lazy<JsonNode?>, bool> ParseCondition(JsonNode node)
    {
        if (node is not JsonObject condition)
        {
            throw QdrantApiException.JsonFormat("invalid filter condition");
        }

        if (condition["has_id"] is JsonArray ids)
        {
            var set = ids.Select(PointId.Parse).ToHashSet();
            return (point, _) => set.Contains(point.Id);
        }

        if (condition.ContainsKey("must") || condition.ContainsKey("should") || condition.ContainsKey("must_not"))
        {
            return ParseFilter(condition);
        }

        if (condition["key"] is JsonValue keyValue && keyValue.GetValueKind() == JsonValueKind.String)
        {
            var path = keyValue.GetValue<string>().Split('.');
            if (condition["match"] is JsonObject match)
            {
                if (match["value"] is JsonNode expected)
                {
                    return (_, payload) => Values(payload.Value, path).Any(v => JsonNode.DeepEquals(v, expected));
                }

                if (match["any"] is JsonArray any)
                {
                    return (_, payload) => Values(payload.Value, path).Any(v => any.Any(a => JsonNode.DeepEquals(v, a)));
                }

                if (match["except"] is JsonArray except)
                {
                    return (_, payload) => Values(payload.Value, path).Any(v => !except.Any(a => JsonNode.DeepEquals(v, a)));
                }
            }

            if (condition["range"] is JsonObject range)
            {
                double? Bound(string name) => range[name]?.GetValue<double>();
                var (gt, gte, lt, lte) = (Bound("gt"), Bound("gte"), Bound("lt"), Bound("lte"));
                return (_, payload) => Values(payload.Value, path).Any(v =>
                    v is JsonValue n && n.GetValueKind() == JsonValueKind.Number && n.GetValue<double>() is var x &&
                    (gt is null || x > gt) && (gte is null || x >= gte) && (lt is null || x < lt) && (lte is null || x <= lte));
            }
        }

        throw QdrantApiException.BadRequest("the emulator does not support this filter condition");
    }

    /// <summary>Values at a dotted path; arrays fan out like Qdrant's payload selectors.</summary>
    private static IEnumerable<JsonNode> Values(JsonNode? root, string[] path)
    {
        IEnumerable<JsonNode?> current = [root];
        foreach (var part in path)
        {
            current = current.SelectMany(n => n is JsonObject o && o[part] is { } child
                ? child is JsonArray arr ? arr.AsEnumerable() : [child]
                : []);
        }

        return current.Where(n => n is not null)!;
    }
}
