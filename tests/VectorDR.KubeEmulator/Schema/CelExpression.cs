using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace VectorDR.KubeEmulator.Schema;

/// <summary>A rule evaluated to an error the real server would also report (e.g. "no such key").</summary>
internal sealed class CelException(string message) : Exception(message);

/// <summary>A rule using CEL features this evaluator does not implement; such rules are skipped, never enforced wrongly.</summary>
internal sealed class CelUnsupportedException(string message) : Exception(message);

/// <summary>
/// A small CEL evaluator for the rule shapes CRD authors commonly write in <c>x-kubernetes-validations</c>:
/// field access, <c>has()</c>, comparisons, boolean logic, arithmetic, ternaries, <c>in</c>, list and map literals,
/// <c>size()</c>, string functions (<c>startsWith</c>, <c>endsWith</c>, <c>contains</c>, <c>matches</c>), and the
/// macros <c>all</c>, <c>exists</c>, <c>exists_one</c>, <c>filter</c>, <c>map</c>; <c>oldSelf</c> for transition rules.
/// </summary>
internal static class CelExpression
{
    private static readonly Dictionary<string, Node?> Cache = new(StringComparer.Ordinal);

    public static bool ReferencesOldSelf(string rule) => Regex.IsMatch(rule, @"\boldSelf\b");

    /// <summary>True when the rule holds; rules that cannot be parsed or use unsupported features count as holding.</summary>
    public static bool Evaluate(string rule, JsonNode? self, JsonNode? oldSelf, bool hasOld)
    {
        Node? ast;
        lock (Cache)
        {
            if (!Cache.TryGetValue(rule, out ast))
            {
                try
                {
                    ast = new Parser(rule).ParseAll();
                }
                catch (CelUnsupportedException)
                {
                    ast = null;
                }

                Cache[rule] = ast;
            }
        }

        if (ast is null)
        {
            return true;
        }

        var scope = new Dictionary<string, object?> { ["self"] = FromJson(self) };
        if (hasOld)
        {
            scope["oldSelf"] = FromJson(oldSelf);
        }

        try
        {
            return ast.Eval(scope) is true;
        }
        catch (CelUnsupportedException)
        {
            return true;
        }
    }

    private static object? FromJson(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(kv => kv.Key, kv => FromJson(kv.Value), StringComparer.Ordinal),
        JsonArray a => a.Select(FromJson).ToList(),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => v.TryGetValue<long>(out var l) ? (object)l : v.GetValue<double>(),
            _ => null,
        },
        _ => null,
    };

    // ------------------------------------------------------------------ AST

    private abstract class Node
    {
        public abstract object? Eval(Dictionary<string, object?> scope);
    }

    private sealed class Literal(object? value) : Node
    {
        public override object? Eval(Dictionary<string, object?> scope) => value;
    }

    private sealed class Identifier(string name) : Node
    {
        public string Name => name;

        public override object? Eval(Dictionary<string, object?> scope) =>
            scope.TryGetValue(name, out var value) ? value : throw new CelUnsupportedException($"undeclared reference to '{name}'");
    }

    private sealed class Select(Node target, string member) : Node
    {
        public Node Target => target;
        public string Member => member;

        public override object? Eval(Dictionary<string, object?> scope) => target.Eval(scope) switch
        {
            Dictionary<string, object?> map => map.TryGetValue(member, out var value) ? value : throw new CelException($"no such key: {member}"),
            _ => throw new CelException($"no such key: {member}"),
        };
    }

    private sealed class Index(Node target, Node index) : Node
    {
        public override object? Eval(Dictionary<string, object?> scope)
        {
            var container = target.Eval(scope);
            var key = index.Eval(scope);
            return (container, key) switch
            {
                (List<object?> list, long i) when i >= 0 && i < list.Count => list[(int)i],
                (List<object?>, long i) => throw new CelException($"index out of bounds: {i}"),
                (Dictionary<string, object?> map, string k) => map.TryGetValue(k, out var v) ? v : throw new CelException($"no such key: {k}"),
                _ => throw new CelException("invalid index"),
            };
        }
    }

    private sealed class ListLiteral(IReadOnlyList<Node> items) : Node
    {
        public override object? Eval(Dictionary<string, object?> scope) => items.Select(i => i.Eval(scope)).ToList();
    }

    private sealed class MapLiteral(IReadOnlyList<(Node Key, Node Value)> entries) : Node
    {
        public override object? Eval(Dictionary<string, object?> scope) =>
            entries.ToDictionary(e => e.Key.Eval(scope) as string ?? throw new CelUnsupportedException("non-string map key"), e => e.Value.Eval(scope), StringComparer.Ordinal);
    }

    private sealed class Conditional(Node condition, Node whenTrue, Node whenFalse) : Node
    {
        public override object? Eval(Dictionary<string, object?> scope) => condition.Eval(scope) is true ? whenTrue.Eval(scope) : whenFalse.Eval(scope);
    }

    private sealed class Unary(string op, Node operand) : Node
    {
        public override object? Eval(Dictionary<string, object?> scope) => (op, operand.Eval(scope)) switch
        {
            ("!", bool b) => !b,
            ("-", long l) => -l,
            ("-", double d) => -d,
            _ => throw new CelException($"no such overload: {op}"),
        };
    }

    private sealed class Logical(string op, Node left, Node right) : Node
    {
        // CEL's && and || are commutative over errors: an error on one side is absorbed when the other side decides.
        public override object? Eval(Dictionary<string, object?> scope)
        {
            var decisive = op == "||";
            object? l;
            try
            {
                l = left.Eval(scope);
            }
            catch (CelException)
            {
                if (right.Eval(scope) is bool r && r == decisive)
                {
                    return decisive;
                }

                throw;
            }

            if (l is bool lb && lb == decisive)
            {
                return decisive;
            }

            return right.Eval(scope) is bool rb ? rb : throw new CelException($"no such overload: {op}");
        }
    }

    private sealed class Binary(string op, Node left, Node right) : Node
    {
        public override object? Eval(Dictionary<string, object?> scope)
        {
            var l = left.Eval(scope);
            var r = right.Eval(scope);
            return op switch
            {
                "==" => ValueEquals(l, r),
                "!=" => !ValueEquals(l, r),
                "<" => Compare(l, r) < 0,
                "<=" => Compare(l, r) <= 0,
                ">" => Compare(l, r) > 0,
                ">=" => Compare(l, r) >= 0,
                "in" => r switch
                {
                    List<object?> list => list.Any(item => ValueEquals(item, l)),
                    Dictionary<string, object?> map => l is string key && map.ContainsKey(key),
                    _ => throw new CelException("no such overload: in"),
                },
                _ => Arithmetic(op, l, r),
            };
        }

        private static object? Arithmetic(string op, object? l, object? r) => (op, l, r) switch
        {
            ("+", long a, long b) => a + b,
            ("+", string a, string b) => a + b,
            ("+", List<object?> a, List<object?> b) => a.Concat(b).ToList(),
            ("-", long a, long b) => a - b,
            ("*", long a, long b) => a * b,
            ("/", long _, 0L) => throw new CelException("division by zero"),
            ("/", long a, long b) => a / b,
            ("%", long _, 0L) => throw new CelException("modulus by zero"),
            ("%", long a, long b) => a % b,
            (_, double or long, double or long) => Floating(op, Convert.ToDouble(l, CultureInfo.InvariantCulture), Convert.ToDouble(r, CultureInfo.InvariantCulture)),
            _ => throw new CelException($"no such overload: {op}"),
        };

        private static double Floating(string op, double a, double b) => op switch
        {
            "+" => a + b,
            "-" => a - b,
            "*" => a * b,
            "/" => a / b,
            _ => throw new CelException($"no such overload: {op}"),
        };
    }

    private sealed class Call(Node? target, string function, IReadOnlyList<Node> args) : Node
    {
        public override object? Eval(Dictionary<string, object?> scope)
        {
            if (function == "has")
            {
                if (target is null && args.Count == 1 && args[0] is Select select)
                {
                    return select.Target.Eval(scope) is Dictionary<string, object?> map && map.ContainsKey(select.Member);
                }

                throw new CelUnsupportedException("invalid argument to has() macro");
            }

            if (target is not null && function is "all" or "exists" or "exists_one" or "filter" or "map" && args.Count == 2 && args[0] is Identifier variable)
            {
                return Macro(scope, variable.Name, target.Eval(scope), args[1]);
            }

            var receiver = target?.Eval(scope);
            var values = args.Select(a => a.Eval(scope)).ToList();
            if (target is null)
            {
                receiver = values.Count > 0 ? values[0] : null;
                values = values.Skip(1).ToList();
            }

            return (function, receiver, values.Count) switch
            {
                ("size", string s, 0) => (long)new StringInfo(s).LengthInTextElements,
                ("size", List<object?> l, 0) => (long)l.Count,
                ("size", Dictionary<string, object?> m, 0) => (long)m.Count,
                ("startsWith", string s, 1) => s.StartsWith((string)values[0]!, StringComparison.Ordinal),
                ("endsWith", string s, 1) => s.EndsWith((string)values[0]!, StringComparison.Ordinal),
                ("contains", string s, 1) => s.Contains((string)values[0]!, StringComparison.Ordinal),
                ("matches", string s, 1) => Regex.IsMatch(s, (string)values[0]!, RegexOptions.None, TimeSpan.FromSeconds(1)),
                ("lowerAscii", string s, 0) => s.ToLowerInvariant(),
                ("upperAscii", string s, 0) => s.ToUpperInvariant(),
                ("trim", string s, 0) => s.Trim(),
                ("int", long l, 0) => l,
                ("int", double d, 0) => (long)d,
                ("int", string s, 0) => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : throw new CelException($"cannot convert {s} to int"),
                ("double", long l, 0) => (double)l,
                ("double", double d, 0) => d,
                ("string", var v, 0) => v switch { string s => s, bool b => b ? "true" : "false", long l => l.ToString(CultureInfo.InvariantCulture), double d => d.ToString(CultureInfo.InvariantCulture), _ => throw new CelException("no such overload: string") },
                _ => throw new CelUnsupportedException($"unsupported function {function}"),
            };
        }

        private object? Macro(Dictionary<string, object?> scope, string variable, object? range, Node body)
        {
            IEnumerable<object?> elements = range switch
            {
                List<object?> list => list,
                Dictionary<string, object?> map => map.Keys,
                _ => throw new CelException("no such overload: macro on non-collection"),
            };

            var results = new List<(object? Element, object? Result)>();
            foreach (var element in elements)
            {
                var inner = new Dictionary<string, object?>(scope) { [variable] = element };
                results.Add((element, body.Eval(inner)));
            }

            return body switch
            {
                _ when Function == "all" => results.All(r => r.Result is true),
                _ when Function == "exists" => results.Any(r => r.Result is true),
                _ when Function == "exists_one" => results.Count(r => r.Result is true) == 1,
                _ when Function == "filter" => results.Where(r => r.Result is true).Select(r => r.Element).ToList(),
                _ => results.Select(r => r.Result).ToList(),
            };
        }

        private string Function => function;
    }

    private static bool ValueEquals(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (long x, double y) => x == y,
        (double x, long y) => x == y,
        (List<object?> x, List<object?> y) => x.Count == y.Count && x.Zip(y).All(p => ValueEquals(p.First, p.Second)),
        (Dictionary<string, object?> x, Dictionary<string, object?> y) => x.Count == y.Count && x.All(kv => y.TryGetValue(kv.Key, out var v) && ValueEquals(kv.Value, v)),
        _ => Equals(a, b),
    };

    private static int Compare(object? a, object? b) => (a, b) switch
    {
        (long x, long y) => x.CompareTo(y),
        (double or long, double or long) => Convert.ToDouble(a, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(b, CultureInfo.InvariantCulture)),
        (string x, string y) => string.CompareOrdinal(x, y),
        (bool x, bool y) => x.CompareTo(y),
        _ => throw new CelException("no such overload: comparison"),
    };

    // ------------------------------------------------------------------ parser

    private sealed class Parser
    {
        private static readonly Regex TokenPattern = new(
            @"\s*(?:(?<num>\d+\.\d+|\d+)(?<u>u)?|(?<str>""(?:[^""\\]|\\.)*""|'(?:[^'\\]|\\.)*')|(?<id>[A-Za-z_][A-Za-z0-9_]*)|(?<op>==|!=|<=|>=|&&|\|\||[-+*/%<>!?:.,()\[\]{}]))",
            RegexOptions.CultureInvariant);

        private readonly List<string> _tokens = [];
        private readonly List<char> _kinds = [];
        private int _position;

        public Parser(string text)
        {
            var at = 0;
            while (at < text.Length)
            {
                if (char.IsWhiteSpace(text[at]))
                {
                    at++;
                    continue;
                }

                var match = TokenPattern.Match(text, at);
                if (!match.Success || match.Index != at && text[at..match.Index].Trim().Length > 0)
                {
                    throw new CelUnsupportedException($"cannot tokenize at {at}");
                }

                var kind = match.Groups["num"].Success ? 'n' : match.Groups["str"].Success ? 's' : match.Groups["id"].Success ? 'i' : 'o';
                var token = kind switch { 'n' => match.Groups["num"].Value, 's' => match.Groups["str"].Value, 'i' => match.Groups["id"].Value, _ => match.Groups["op"].Value };
                _tokens.Add(token);
                _kinds.Add(kind);
                at = match.Index + match.Length;
            }
        }

        public Node ParseAll()
        {
            var node = ParseConditional();
            if (_position != _tokens.Count)
            {
                throw new CelUnsupportedException($"unexpected token {_tokens[_position]}");
            }

            return node;
        }

        private string? Peek => _position < _tokens.Count ? _tokens[_position] : null;

        private bool PeekIsOperator(string op) => _position < _tokens.Count && _kinds[_position] is 'o' or 'i' && _tokens[_position] == op;

        private bool Accept(string op)
        {
            if (!PeekIsOperator(op))
            {
                return false;
            }

            _position++;
            return true;
        }

        private void Expect(string op)
        {
            if (!Accept(op))
            {
                throw new CelUnsupportedException($"expected {op}");
            }
        }

        private Node ParseConditional()
        {
            var condition = ParseOr();
            if (!Accept("?"))
            {
                return condition;
            }

            var whenTrue = ParseConditional();
            Expect(":");
            return new Conditional(condition, whenTrue, ParseConditional());
        }

        private Node ParseOr()
        {
            var left = ParseAnd();
            while (Accept("||"))
            {
                left = new Logical("||", left, ParseAnd());
            }

            return left;
        }

        private Node ParseAnd()
        {
            var left = ParseRelation();
            while (Accept("&&"))
            {
                left = new Logical("&&", left, ParseRelation());
            }

            return left;
        }

        private Node ParseRelation()
        {
            var left = ParseAdditive();
            while (Peek is "==" or "!=" or "<" or "<=" or ">" or ">=" or "in")
            {
                var op = _tokens[_position++];
                left = new Binary(op, left, ParseAdditive());
            }

            return left;
        }

        private Node ParseAdditive()
        {
            var left = ParseMultiplicative();
            while (PeekIsOperator("+") || PeekIsOperator("-"))
            {
                var op = _tokens[_position++];
                left = new Binary(op, left, ParseMultiplicative());
            }

            return left;
        }

        private Node ParseMultiplicative()
        {
            var left = ParseUnary();
            while (PeekIsOperator("*") || PeekIsOperator("/") || PeekIsOperator("%"))
            {
                var op = _tokens[_position++];
                left = new Binary(op, left, ParseUnary());
            }

            return left;
        }

        private Node ParseUnary()
        {
            if (Accept("!"))
            {
                return new Unary("!", ParseUnary());
            }

            return Accept("-") ? new Unary("-", ParseUnary()) : ParseMember();
        }

        private Node ParseMember()
        {
            var node = ParsePrimary();
            while (true)
            {
                if (Accept("."))
                {
                    if (PeekIsOperator("?"))
                    {
                        throw new CelUnsupportedException("optional field selection");
                    }

                    var name = Identifier();
                    node = Accept("(") ? new Call(node, name, Arguments(")")) : new Select(node, name);
                }
                else if (Accept("["))
                {
                    var index = ParseConditional();
                    Expect("]");
                    node = new Index(node, index);
                }
                else
                {
                    return node;
                }
            }
        }

        private Node ParsePrimary()
        {
            if (_position >= _tokens.Count)
            {
                throw new CelUnsupportedException("unexpected end of rule");
            }

            var token = _tokens[_position];
            var kind = _kinds[_position++];
            switch (kind)
            {
                case 'n':
                    return token.Contains('.', StringComparison.Ordinal)
                        ? new Literal(double.Parse(token, CultureInfo.InvariantCulture))
                        : new Literal(long.Parse(token, CultureInfo.InvariantCulture));
                case 's':
                    return new Literal(Regex.Unescape(token[1..^1]));
                case 'i':
                    return token switch
                    {
                        "true" => new Literal(true),
                        "false" => new Literal(false),
                        "null" => new Literal(null),
                        _ when Accept("(") => new Call(null, token, Arguments(")")),
                        _ => new Identifier(token),
                    };
            }

            switch (token)
            {
                case "(":
                    var inner = ParseConditional();
                    Expect(")");
                    return inner;
                case "[":
                    return new ListLiteral(Arguments("]"));
                case "{":
                    var entries = new List<(Node, Node)>();
                    while (!Accept("}"))
                    {
                        var key = ParseConditional();
                        Expect(":");
                        entries.Add((key, ParseConditional()));
                        Accept(",");
                    }

                    return new MapLiteral(entries);
                default:
                    throw new CelUnsupportedException($"unexpected token {token}");
            }
        }

        private List<Node> Arguments(string close)
        {
            var args = new List<Node>();
            while (!Accept(close))
            {
                args.Add(ParseConditional());
                if (!Accept(","))
                {
                    Expect(close);
                    break;
                }
            }

            return args;
        }

        private string Identifier()
        {
            if (_position < _tokens.Count && _kinds[_position] == 'i')
            {
                return _tokens[_position++];
            }

            throw new CelUnsupportedException("expected identifier");
        }
    }
}
