using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace VectorDR.KubeEmulator.Tables;

/// <summary>
/// The JSONPath subset printer columns use: <c>.a.b</c>, <c>.a[0]</c>, <c>.a[*]</c>, <c>.a[?(@.type=="Ready")].status</c>
/// (filters compare one field with == or != against a quoted string, number or boolean). Leading <c>{</c>/<c>}</c> tolerated.
/// </summary>
internal static partial class SimpleJsonPath
{
    public static IReadOnlyList<JsonNode?> Evaluate(JsonNode? root, string path)
    {
        var expression = path.Trim();
        if (expression.StartsWith('{') && expression.EndsWith('}'))
        {
            expression = expression[1..^1];
        }

        expression = expression.TrimStart('$');
        IEnumerable<JsonNode?> current = [root];
        foreach (Match step in StepPattern().Matches(expression))
        {
            if (step.Groups["field"].Success)
            {
                var field = step.Groups["field"].Value;
                current = current.Select(n => n is JsonObject o ? o[field] : null).Where(n => n is not null).ToList();
            }
            else if (step.Groups["index"].Success)
            {
                var index = step.Groups["index"].Value;
                current = current.SelectMany(n => n is JsonArray a ? Slice(a, index) : []).ToList();
            }
            else if (step.Groups["filter"].Success)
            {
                var filter = step.Groups["filter"].Value;
                current = current.SelectMany(n => n is JsonArray a ? a.Where(item => FilterMatches(item, filter)) : []).ToList();
            }
        }

        return current.ToList();
    }

    private static IEnumerable<JsonNode?> Slice(JsonArray array, string index)
    {
        if (index == "*")
        {
            return array;
        }

        var i = int.Parse(index, System.Globalization.CultureInfo.InvariantCulture);
        if (i < 0)
        {
            i += array.Count;
        }

        return i >= 0 && i < array.Count ? [array[i]] : [];
    }

    private static bool FilterMatches(JsonNode? item, string filter)
    {
        var match = FilterPattern().Match(filter.Trim());
        if (!match.Success)
        {
            return false;
        }

        JsonNode? value = item;
        foreach (var part in match.Groups["path"].Value.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            value = value is JsonObject o ? o[part] : null;
        }

        var literal = match.Groups["literal"].Value;
        var expected = literal.StartsWith('"') || literal.StartsWith('\'') ? literal[1..^1] : literal;
        var actual = value switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            _ => value.ToJsonString(),
        };
        var equal = actual == expected;
        return match.Groups["op"].Value == "==" ? equal : !equal;
    }

    [GeneratedRegex(@"\.(?<field>[A-Za-z0-9_\-/]+)|\[(?<index>-?\d+|\*)\]|\[\?\((?<filter>[^\]]*)\)\]")]
    private static partial Regex StepPattern();

    [GeneratedRegex(@"^@\.(?<path>[A-Za-z0-9_.\-]+)\s*(?<op>==|!=)\s*(?<literal>""[^""]*""|'[^']*'|\S+)$")]
    private static partial Regex FilterPattern();
}
