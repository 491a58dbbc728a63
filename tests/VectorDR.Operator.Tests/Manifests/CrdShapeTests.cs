using k8s.Models;
using VectorDR.ControllerRuntime.Schema;
using VectorDR.Operator.Entities;

namespace VectorDR.Operator.Tests.Manifests;

/// <summary>What NJsonSchema cannot check: CEL rules, printer columns, subresources, names.</summary>
public sealed class CrdShapeTests
{
    [Fact]
    public void RestoreRequest_source_has_the_exactly_one_rules()
    {
        var crd = CrdGenerator.Generate(typeof(RestoreRequest));
        var source = crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["source"];
        var rules = source.XKubernetesValidations.Select(r => r.Message).ToList();
        Assert.Contains("exactly one of backupPolicyRef or location must be set", rules);
        Assert.Contains("exactly one of backupId, latest: true or pointInTime must be set", rules);
        Assert.Contains(crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].XKubernetesValidations, r => r.Rule == "self == oldSelf");
    }

    [Theory]
    [InlineData(typeof(BackupPolicy), "Schedule,Last Backup,Last Backup Age,RPO Met,Ready,Next Backup,Age")]
    [InlineData(typeof(RestoreRequest), "Phase,Backup,RTO,Age")]
    [InlineData(typeof(FailoverPlan), "Active,Phase,Standby Lag,Age")]
    public void Printer_columns(Type entity, string columns)
    {
        var crd = CrdGenerator.Generate(entity);
        Assert.Equal(columns, string.Join(",", crd.Spec.Versions[0].AdditionalPrinterColumns.Select(c => c.Name)));
    }

    [Theory]
    [InlineData(typeof(BackupPolicy), "backuppolicies", "bp")]
    [InlineData(typeof(RestoreRequest), "restorerequests", "rr")]
    [InlineData(typeof(FailoverPlan), "failoverplans", "fp")]
    public void Names_scope_category_and_status_subresource(Type entity, string plural, string shortName)
    {
        var crd = CrdGenerator.Generate(entity);
        Assert.Equal($"{plural}.dr.vectordr.io", crd.Metadata.Name);
        Assert.Equal("Namespaced", crd.Spec.Scope);
        Assert.Contains(shortName, crd.Spec.Names.ShortNames);
        Assert.Equal(["vectordr"], crd.Spec.Names.Categories);
        Assert.NotNull(crd.Spec.Versions[0].Subresources.Status);
    }

    [Theory]
    [InlineData(typeof(BackupPolicy))]
    [InlineData(typeof(RestoreRequest))]
    [InlineData(typeof(FailoverPlan))]
    public void Every_field_has_a_description(Type entity)
    {
        var missing = new List<string>();
        void Walk(V1JSONSchemaProps s, string path)
        {
            foreach (var (name, p) in s.Properties ?? new Dictionary<string, V1JSONSchemaProps>())
            {
                if (string.IsNullOrWhiteSpace(p.Description)) missing.Add($"{path}.{name}");
                Walk(p, $"{path}.{name}");
                if (p.Items is V1JSONSchemaProps items) Walk(items, $"{path}.{name}[]");
            }
        }
        Walk(CrdGenerator.Generate(entity).Spec.Versions[0].Schema.OpenAPIV3Schema, "");
        Assert.Empty(missing);
    }

    [Fact]
    public void Defaults_live_in_the_schema()
    {
        var spec = CrdGenerator.Generate(typeof(BackupPolicy)).Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"];
        Assert.Equal(10, Convert.ToInt32(spec.Properties["verification"].Properties["probes"].DefaultProperty));
        Assert.Equal("UTC", spec.Properties["timeZone"].DefaultProperty);
        var target = CrdGenerator.Generate(typeof(RestoreRequest)).Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["target"];
        Assert.Equal("Fail", target.Properties["onExisting"].DefaultProperty);
        Assert.Equal(["Fail", "Replace"], target.Properties["onExisting"].EnumProperty.Cast<string>());
        var failover = CrdGenerator.Generate(typeof(FailoverPlan)).Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"];
        Assert.Equal(["primary", "standby"], failover.Properties["activeSide"].EnumProperty.Cast<string>());
    }
}
