using VectorDR.KubeEmulator.Api;

namespace VectorDR.KubeEmulator.Selectors;

/// <summary>The label selector string syntax: <c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, <c>a in (x,y)</c>, <c>a notin (x)</c>, <c>a</c>, <c>!a</c>.</summary>
internal sealed class LabelSelector
{
    private readonly IReadOnlyList<Func<IReadOnlyDictionary<string, string>, bool>> _requirements;

    private LabelSelector(IReadOnlyList<Func<IReadOnlyDictionary<string, string>, bool>> requirements) => _requirements = requirements;

    public static LabelSelector Everything { get; } = new([]);

    public bool Matches(IReadOnlyDictionary<string, string> labels) => _requirements.All(r => r(labels));

    public static LabelSelector Parse(string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            return Everything;
        }

        var requirements = new List<Func<IReadOnlyDictionary<string, string>, bool>>();
        foreach (var term in SplitTopLevel(selector))
        {
            requirements.Add(ParseTerm(term.Trim(), selector));
        }

        return new LabelSelector(requirements);
    }

    private static Func<IReadOnlyDictionary<string, string>, bool> ParseTerm(string term, string selector)
    {
        if (term.Length == 0)
        {
            throw Invalid(selector);
        }

        if (term.StartsWith('!'))
        {
            var key = term[1..].Trim();
            return labels => !labels.ContainsKey(key);
        }

        var setMatch = System.Text.RegularExpressions.Regex.Match(term, @"^(\S+)\s+(in|notin)\s*\((.*)\)$");
        if (setMatch.Success)
        {
            var key = setMatch.Groups[1].Value;
            var values = setMatch.Groups[3].Value.Split(',').Select(v => v.Trim()).ToHashSet(StringComparer.Ordinal);
            return setMatch.Groups[2].Value == "in"
                ? labels => labels.TryGetValue(key, out var v) && values.Contains(v)
                : labels => !labels.TryGetValue(key, out var v) || !values.Contains(v);
        }

        foreach (var op in new[] { "!=", "==", "=" })
        {
            var at = term.IndexOf(op, StringComparison.Ordinal);
            if (at > 0)
            {
                var key = term[..at].Trim();
                var value = term[(at + op.Length)..].Trim();
                return op == "!="
                    ? labels => !labels.TryGetValue(key, out var v) || v != value
                    : labels => labels.TryGetValue(key, out var v) && v == value;
            }
        }

        if (term.Any(c => char.IsWhiteSpace(c) || c is '(' or ')'))
        {
            throw Invalid(selector);
        }

        return labels => labels.ContainsKey(term);
    }

    /// <summary>Splits on commas that are not inside a value set's parentheses.</summary>
    private static IEnumerable<string> SplitTopLevel(string selector)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < selector.Length; i++)
        {
            depth += selector[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (selector[i] == ',' && depth == 0)
            {
                yield return selector[start..i];
                start = i + 1;
            }
        }

        yield return selector[start..];
    }

    private static ApiException Invalid(string selector) => ApiException.BadRequest($"unable to parse requirement: invalid label selector: \"{selector}\"");
}
