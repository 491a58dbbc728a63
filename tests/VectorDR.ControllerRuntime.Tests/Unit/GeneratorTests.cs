using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using VectorDR.ControllerRuntime.Entities;
using VectorDR.ControllerRuntime.Rbac;
using VectorDR.ControllerRuntime.Schema;

namespace VectorDR.ControllerRuntime.Tests.Unit;

[KubernetesEntity(Group = "test.example.io", ApiVersion = "v1", Kind = "Widget", PluralName = "widgets")]
[KubernetesEntityShortNames("wd")]
[KubernetesEntityCategories("tests")]
[Description("A test widget.")]
[PrinterColumn("Ready", ".status.conditions[?(@.type==\"Ready\")].status")]
[AgeColumn]
public sealed class Widget : CustomKubernetesEntity<WidgetSpec, WidgetStatus>;

[ValidationRule("!has(self.a) || !has(self.b)", "a and b are exclusive")]
public sealed class WidgetSpec
{
    [Required, Pattern("^[a-z]+$"), Description("Name of the thing.")]
    public string Name { get; set; } = "";

    [RangeMinimum(1), RangeMaximum(10), Default(3), Description("How many.")]
    [AdditionalPrinterColumn("Count", "integer")]
    public int Count { get; set; } = 3;

    [Items(1, 5), Description("Tags.")]
    public List<string>? Tags { get; set; }

    [Description("Labels.")]
    public Dictionary<string, string>? Labels { get; set; }

    [Description("Colour.")]
    public Colour Colour { get; set; }

    [Description("A.")]
    public string? A { get; set; }

    [Description("B.")]
    public string? B { get; set; }

    [Description("Size.")]
    public IntOrString? Size { get; set; }

    [Description("Anything."), PreserveUnknownFields]
    public System.Text.Json.JsonElement? Extra { get; set; }

    [JsonIgnore]
    public string Hidden { get; set; } = "";
}

[JsonConverter(typeof(JsonStringEnumConverter<Colour>))]
public enum Colour { Red, [JsonStringEnumMemberName("dark-blue")] DarkBlue }

public sealed class WidgetStatus
{
    [Description("Conditions.")]
    public List<Condition> Conditions { get; set; } = [];
}

public sealed class Undocumented
{
    public string? Field { get; set; }
}

[KubernetesEntity(Group = "test.example.io", ApiVersion = "v1", Kind = "Bad", PluralName = "bads")]
[Description("Bad.")]
public sealed class BadEntity : CustomKubernetesEntity<Undocumented>;

[EntityRbac(typeof(Widget), Verbs = RbacVerb.Read | RbacVerb.Update)]
[EntityRbac(typeof(V1Secret), Verbs = RbacVerb.Get | RbacVerb.List | RbacVerb.Watch)]
[GenericRbac(Groups = ["apps"], Resources = ["statefulsets"], Verbs = RbacVerb.Patch)]
public sealed class WidgetController;

public sealed class GeneratorTests
{
    [Fact]
    public void Crd_from_attributes()
    {
        var crd = CrdGenerator.Generate(typeof(Widget));
        Assert.Equal("widgets.test.example.io", crd.Metadata.Name);
        var version = crd.Spec.Versions.Single();
        var spec = version.Schema.OpenAPIV3Schema.Properties["spec"];
        Assert.Equal(["name"], spec.Required);
        Assert.Equal("^[a-z]+$", spec.Properties["name"].Pattern);
        Assert.Equal(1, spec.Properties["count"].Minimum);
        Assert.Equal(10, spec.Properties["count"].Maximum);
        Assert.Equal(3, Convert.ToInt32(spec.Properties["count"].DefaultProperty));
        Assert.Equal("integer", spec.Properties["count"].Type);
        Assert.Equal(1, spec.Properties["tags"].MinItems);
        Assert.Equal(5, spec.Properties["tags"].MaxItems);
        Assert.Equal("string", ((V1JSONSchemaProps)spec.Properties["labels"].AdditionalProperties).Type);
        Assert.Equal(["Red", "dark-blue"], spec.Properties["colour"].EnumProperty.Cast<string>());
        Assert.True(spec.Properties["size"].XKubernetesIntOrString);
        Assert.True(spec.Properties["extra"].XKubernetesPreserveUnknownFields);
        Assert.False(spec.Properties.ContainsKey("hidden"));
        Assert.Equal("a and b are exclusive", spec.XKubernetesValidations.Single().Message);
        Assert.NotNull(version.Subresources.Status);
        Assert.Equal(["Ready", "Count", "Age"], version.AdditionalPrinterColumns.Select(c => c.Name));
        Assert.Equal(".spec.count", version.AdditionalPrinterColumns[1].JsonPath);
        Assert.Equal(["wd"], crd.Spec.Names.ShortNames);
    }

    [Fact]
    public void Crd_yaml_round_trips()
    {
        var yaml = KubernetesYaml.Serialize(CrdGenerator.Generate(typeof(Widget)));
        var back = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(yaml);
        Assert.Equal("Widget", back.Spec.Names.Kind);
        Assert.Contains("status: {}", yaml);
    }

    [Fact]
    public void Fields_without_description_fail_generation()
    {
        var e = Assert.Throws<InvalidOperationException>(() => CrdGenerator.Generate(typeof(BadEntity)));
        Assert.Contains(".spec.field", e.Message);
    }

    [Fact]
    public void Cluster_role_from_rbac_attributes()
    {
        var role = RbacGenerator.Generate("r", [typeof(WidgetController)]);
        string Verbs(string group, string resource) =>
            string.Join(",", role.Rules.Single(r => r.ApiGroups.Single() == group && r.Resources.Contains(resource)).Verbs);
        Assert.Equal("get,list,watch,update", Verbs("test.example.io", "widgets"));
        Assert.Equal("get,update,patch", Verbs("test.example.io", "widgets/status"));
        Assert.Equal("get,list,watch", Verbs("", "secrets"));
        Assert.Equal("patch", Verbs("apps", "statefulsets"));
        Assert.Equal("get,create,update", Verbs("coordination.k8s.io", "leases"));
    }

    [Fact]
    public void Entity_metadata_and_paths()
    {
        var w = new Widget();
        Assert.Equal("test.example.io/v1", w.ApiVersion);
        Assert.Equal("Widget", w.Kind);
        Assert.Equal("/apis/test.example.io/v1/namespaces/ns/widgets/x", EntityMetadata.For<Widget>().ObjectPath("ns", "x"));
        Assert.Equal("/apis/test.example.io/v1/widgets", EntityMetadata.For<Widget>().CollectionPath(null));
        Assert.Equal("/api/v1/namespaces/ns/secrets", EntityMetadata.For<V1Secret>().CollectionPath("ns"));
        Assert.Equal("/apis/batch/v1/namespaces/ns/jobs", EntityMetadata.For<V1Job>().CollectionPath("ns"));
        Assert.Equal("/apis/coordination.k8s.io/v1/namespaces/ns/leases", EntityMetadata.For<V1Lease>().CollectionPath("ns"));
    }

    [Fact]
    public void Entities_serialise_with_camel_case_and_string_enums()
    {
        var w = new Widget { Metadata = new V1ObjectMeta { Name = "x" }, Spec = new WidgetSpec { Name = "a", Colour = Colour.DarkBlue } };
        var json = KubernetesJson.Serialize(w);
        Assert.Contains("\"colour\":\"dark-blue\"", json);
        Assert.Contains("\"apiVersion\":\"test.example.io/v1\"", json);
        var back = KubernetesJson.Deserialize<Widget>(json);
        Assert.Equal(Colour.DarkBlue, back.Spec.Colour);
    }
}
