using System.Text.Json.Nodes;
using VectorDR.KubeEmulator.Schema;

namespace VectorDR.KubeEmulator.Tests;

/// <summary>The CEL subset and the structural schema engine on their own.</summary>
public sealed class SchemaAndCelTests
{
    [Theory]
    [InlineData("has(self.a) != has(self.b)", """{"a":1}""", true)]
    [InlineData("has(self.a) != has(self.b)", """{"a":1,"b":2}""", false)]
    [InlineData("[has(self.a), has(self.b)].filter(x, x).size() == 1", """{"b":2}""", true)]
    [InlineData("[has(self.a), has(self.b)].filter(x, x).size() == 1", """{}""", false)]
    [InlineData("self.items.all(i, i.n >= 0 && i.name.startsWith('x'))", """{"items":[{"n":1,"name":"xa"},{"n":0,"name":"xb"}]}""", true)]
    [InlineData("self.items.exists(i, i.n > 5)", """{"items":[{"n":1}]}""", false)]
    [InlineData("self.size() <= 3 && 'k' in self", """{"k":1}""", true)]
    [InlineData("self.mode == 'A' ? has(self.a) : true", """{"mode":"B"}""", true)]
    [InlineData("self.s.matches('^[a-z]+$') && size(self.s) == 3", """{"s":"abc"}""", true)]
    [InlineData("self.n % 2 == 0 || self.n * 2 > 100", """{"n":7}""", false)]
    [InlineData("!has(self.x) || self.x.y", """{}""", true)]
    public void Cel_evaluates_common_rule_shapes(string rule, string self, bool expected) =>
        Assert.Equal(expected, CelExpression.Evaluate(rule, JsonNode.Parse(self), null, hasOld: false));

    [Fact]
    public void Cel_transition_rules_compare_with_the_old_value()
    {
        Assert.True(CelExpression.Evaluate("self == oldSelf", JsonValue.Create("a"), JsonValue.Create("a"), hasOld: true));
        Assert.False(CelExpression.Evaluate("self == oldSelf", JsonValue.Create("b"), JsonValue.Create("a"), hasOld: true));
    }

    [Fact]
    public void Cel_rules_with_unsupported_features_are_skipped_not_enforced()
    {
        Assert.True(CelExpression.Evaluate("self.t > timestamp('2020-01-01T00:00:00Z')", JsonNode.Parse("""{"t":"x"}"""), null, hasOld: false));
        Assert.Throws<CelException>(() => CelExpression.Evaluate("self.missing == 1", JsonNode.Parse("{}"), null, hasOld: false));
    }

    [Fact]
    public void Structural_schema_prunes_defaults_and_validates_nested_arrays()
    {
        var schema = new StructuralSchema(JsonNode.Parse("""
            {"type":"object","properties":{"spec":{"type":"object","properties":{
              "items":{"type":"array","minItems":1,"items":{"type":"object","required":["name"],"properties":{
                "name":{"type":"string","minLength":2},"weight":{"type":"number","exclusiveMinimum":true,"minimum":0,"default":1.5}}}},
              "when":{"type":"string","format":"date-time"},
              "nullable":{"type":"string","nullable":true}}}}}
            """)!.AsObject());
        var obj = JsonNode.Parse("""{"apiVersion":"x/v1","kind":"X","metadata":{"name":"n","junk":1},"spec":{"items":[{"name":"a","extra":1},{"weight":0}],"when":"yesterday","nullable":null}}""")!.AsObject();
        var outcome = schema.Process(obj, null);
        Assert.Equal(["metadata.junk", "spec.items[0].extra"], outcome.UnknownFields);
        Assert.Equal(1.5, obj["spec"]!["items"]![0]!["weight"]!.GetValue<double>());
        var messages = outcome.Errors.Select(e => e.ToString()).ToList();
        Assert.Contains("spec.items[0].name: Invalid value: \"a\": spec.items[0].name in body should be at least 2 chars long", messages);
        Assert.Contains("spec.items[1].name: Required value", messages);
        Assert.Contains("spec.items[1].weight: Invalid value: 0: spec.items[1].weight in body should be greater than 0", messages);
        Assert.Contains("spec.when: Invalid value: \"yesterday\": spec.when in body must be of type date-time: \"yesterday\"", messages);
        Assert.True(obj["spec"]!.AsObject().ContainsKey("nullable"));
    }
}
