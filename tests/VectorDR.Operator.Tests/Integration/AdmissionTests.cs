using System.Net;
using k8s.Models;
using VectorDR.ControllerRuntime.Client;
using VectorDR.Operator.Entities;

namespace VectorDR.Operator.Tests.Integration;

/// <summary>The generated CRDs as an API server enforces them (the emulator evaluates schemas and CEL rules).</summary>
[Collection("emulator")]
public sealed class AdmissionTests
{
    private static RestoreRequest Restore(string name, Action<RestoreSource> source) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new RestoreRequestSpec
        {
            Source = Apply(new RestoreSource { BackupPolicyRef = new BackupPolicySourceReference { Name = "p" } }, source),
            Target = new RestoreTarget { Qdrant = new QdrantEndpoint { Url = "http://qdrant:6333" } },
        },
    };

    private static T Apply<T>(T value, Action<T> change)
    {
        change(value);
        return value;
    }

    [Fact]
    public async Task Cel_rules_and_schema_are_enforced_on_admission()
    {
        await using var h = await OperatorHarness.StartAsync();

        var ok = await h.Client.CreateAsync(Restore("ok", s => s.Latest = true), CancellationToken.None);
        Assert.Equal(OnExistingPolicy.Fail, ok.Spec.Target.OnExisting); // schema default

        var both = await Assert.ThrowsAsync<KubeApiException>(() => h.Client.CreateAsync(Restore("both", s =>
        {
            s.Latest = true;
            s.BackupId = "20260101T000000Z";
        }), CancellationToken.None));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, both.StatusCode);
        Assert.Contains("exactly one of backupId, latest: true or pointInTime must be set", both.Message);

        var none = await Assert.ThrowsAsync<KubeApiException>(() => h.Client.CreateAsync(Restore("none", _ => { }), CancellationToken.None));
        Assert.Contains("exactly one of backupId", none.Message);

        var twoSources = await Assert.ThrowsAsync<KubeApiException>(() => h.Client.CreateAsync(Restore("two", s =>
        {
            s.Latest = true;
            s.Location = "s3://bucket/x";
        }), CancellationToken.None));
        Assert.Contains("exactly one of backupPolicyRef or location must be set", twoSources.Message);

        ok.Spec.Target.OnExisting = OnExistingPolicy.Replace;
        var immutable = await Assert.ThrowsAsync<KubeApiException>(() => h.Client.ReplaceAsync(ok, CancellationToken.None));
        Assert.Contains("spec is immutable", immutable.Message);

        var samePair = await Assert.ThrowsAsync<KubeApiException>(() => h.Client.CreateAsync(new FailoverPlan
        {
            Metadata = new V1ObjectMeta { Name = "fp", NamespaceProperty = "default" },
            Spec = new FailoverPlanSpec
            {
                Primary = new FailoverSide { Name = "a", Qdrant = new QdrantEndpoint { Url = "http://a:6333" } },
                Standby = new StandbySide { Name = "a", Qdrant = new QdrantEndpoint { Url = "http://b:6333" } },
                BackupPolicyRef = new LocalObjectReference { Name = "p" },
            },
        }, CancellationToken.None));
        Assert.Contains("primary and standby need different names", samePair.Message);

        var negative = await Assert.ThrowsAsync<KubeApiException>(() => h.Client.CreateAsync(new BackupPolicy
        {
            Metadata = new V1ObjectMeta { Name = "neg", NamespaceProperty = "default" },
            Spec = new BackupPolicySpec
            {
                Source = new BackupSource { Qdrant = new QdrantEndpoint { Url = "http://q:6333" } },
                Schedule = "@daily",
                Storage = new StorageLocation { Location = "file:///b" },
                Retention = new RetentionPolicy { KeepLast = -1 },
            },
        }, CancellationToken.None));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, negative.StatusCode);
        Assert.Contains("spec.retention.keepLast", negative.Message);
    }
}
