using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using VectorDR.ControllerRuntime.Entities;
using VectorDR.ControllerRuntime.Events;
using Microsoft.Extensions.Options;
using VectorDR.ControllerRuntime.Client;
using VectorDR.Operator.Controllers;
using VectorDR.Operator.Hosting;
using VectorDR.Operator.Jobs;
using VectorDR.Operator.Entities;
using VectorDR.Operator.Tests.Validation;

namespace VectorDR.Operator.Tests.Controllers;

public sealed class BackupPolicyControllerTests
{
    private readonly FakeCache<V1Secret> _secrets = new();
    private readonly RecordingStatusWriter _status = new();
    private readonly RecordingEvents _events = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 10, 7, 30, TimeSpan.Zero));
    private readonly BackupPolicyController _controller;

    public BackupPolicyControllerTests()
    {
        // Nothing in these tests is due, so the controller never reaches the API: an unreachable one proves it.
        var client = new KubeApiClient(new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" }));
        var jobs = new BackupJobs(new JobFactory(Options.Create(new OperatorOptions())));
        var recorder = new BackupRunRecorder(new FakeCache<V1Job>(), client, new JobRecords(client), new JobInspector(client), jobs, _time);
        _controller = new BackupPolicyController(_secrets, new FakeCache<V1PersistentVolumeClaim>(), recorder, jobs, new RestoreHolds(new FakeCache<RestoreRequest>()), _status, _events, _time,
            NullLogger<BackupPolicyController>.Instance);
        _secrets.Add(WithNamespace(BackupPolicyValidatorTests.Secret("qdrant", "api-key")));
        _secrets.Add(WithNamespace(BackupPolicyValidatorTests.Secret("s3", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")));
    }

    private static V1Secret WithNamespace(V1Secret s)
    {
        s.Metadata.NamespaceProperty = "team";
        return s;
    }

    private static BackupPolicy Policy(long generation = 1) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "team", Generation = generation, Uid = "u1", CreationTimestamp = new DateTime(2026, 11, 23, 10, 7, 0, DateTimeKind.Utc) },
        Spec = BackupPolicyValidatorTests.ValidSpec(),
    };

    [Fact]
    public async Task Valid_policy_turns_Ready_with_next_schedule_time_and_one_event()
    {
        var policy = Policy();
        var specBefore = KubernetesJson.Serialize(policy.Spec);

        var result = await _controller.ReconcileAsync(policy, CancellationToken.None);

        var ready = Conditions.Find(policy.Status.Conditions, "Ready")!;
        Assert.Equal(ConditionStatus.True, ready.Status);
        Assert.Equal("Validated", ready.Reason);
        Assert.Equal(1, ready.ObservedGeneration);
        Assert.Equal(1, policy.Status.ObservedGeneration);
        Assert.Equal(new DateTime(2026, 11, 23, 10, 15, 0, DateTimeKind.Utc), policy.Status.NextScheduleTime);
        Assert.Equal(TimeSpan.FromSeconds(450), result.RequeueAfter);
        Assert.Single(_status.Writes);
        Assert.Equal(("Validated", EventType.Normal), (_events.Events.Single().Reason, _events.Events.Single().Type));
        Assert.Equal(specBefore, KubernetesJson.Serialize(policy.Spec));
    }

    [Fact]
    public async Task Reconciling_again_writes_and_emits_nothing()
    {
        var policy = Policy();
        await _controller.ReconcileAsync(policy, CancellationToken.None);
        await _controller.ReconcileAsync(policy, CancellationToken.None);
        Assert.Single(_status.Writes);
        Assert.Single(_events.Events);
    }

    [Fact]
    public async Task Time_zone_is_honoured()
    {
        var policy = Policy();
        policy.Spec.Schedule = "0 3 * * *";
        policy.Spec.TimeZone = "Europe/Paris";
        await _controller.ReconcileAsync(policy, CancellationToken.None);
        Assert.Equal(new DateTime(2026, 11, 24, 2, 0, 0, DateTimeKind.Utc), policy.Status.NextScheduleTime);
    }

    [Fact]
    public async Task Broken_then_fixed_spec_tells_the_story_in_conditions_and_events()
    {
        var policy = Policy();
        policy.Spec.Schedule = "*/x * * * *";
        var result = await _controller.ReconcileAsync(policy, CancellationToken.None);

        var ready = Conditions.Find(policy.Status.Conditions, "Ready")!;
        Assert.Equal(ConditionStatus.False, ready.Status);
        Assert.Equal("InvalidSchedule", ready.Reason);
        Assert.StartsWith("spec.schedule: \"*/x * * * *\" is not a valid cron expression", ready.Message);
        Assert.Null(policy.Status.NextScheduleTime);
        Assert.Equal(TimeSpan.FromHours(1), result.RequeueAfter); // nothing to wait for but the periodic look: a spec change triggers the next reconcile
        Assert.Equal(EventType.Warning, _events.Events.Single().Type);
        var brokenAt = ready.LastTransitionTime;

        _time.Advance(TimeSpan.FromMinutes(1));
        policy.Spec.Schedule = "@hourly";
        policy.Metadata.Generation = 2;
        await _controller.ReconcileAsync(policy, CancellationToken.None);

        ready = Conditions.Find(policy.Status.Conditions, "Ready")!;
        Assert.Equal(ConditionStatus.True, ready.Status);
        Assert.Equal(2, ready.ObservedGeneration);
        Assert.True(ready.LastTransitionTime > brokenAt);
        Assert.Equal(2, _events.Events.Count);
        Assert.Equal(new DateTime(2026, 11, 23, 11, 0, 0, DateTimeKind.Utc), policy.Status.NextScheduleTime);
    }

    [Fact]
    public async Task Missing_secret_then_created_turns_Ready()
    {
        _secrets.Items.Clear();
        var policy = Policy();
        await _controller.ReconcileAsync(policy, CancellationToken.None);
        Assert.Equal("SecretNotFound", Conditions.Find(policy.Status.Conditions, "Ready")!.Reason);

        _secrets.Add(WithNamespace(BackupPolicyValidatorTests.Secret("qdrant", "api-key")));
        _secrets.Add(WithNamespace(BackupPolicyValidatorTests.Secret("s3", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")));
        await _controller.ReconcileAsync(policy, CancellationToken.None);
        Assert.Equal(ConditionStatus.True, Conditions.Find(policy.Status.Conditions, "Ready")!.Status);
    }

    [Fact]
    public async Task Suspended_policy_is_Ready_without_a_next_schedule()
    {
        var policy = Policy();
        policy.Spec.Suspend = true;
        var result = await _controller.ReconcileAsync(policy, CancellationToken.None);
        Assert.Equal(ConditionStatus.True, Conditions.Find(policy.Status.Conditions, "Ready")!.Status);
        Assert.Null(policy.Status.NextScheduleTime);
        Assert.Equal(TimeSpan.FromHours(1), result.RequeueAfter);
    }

    [Fact]
    public void Secret_mapping_finds_the_policies_that_name_it()
    {
        var policies = new FakeCache<BackupPolicy>();
        var a = Policy();
        var b = Policy();
        b.Metadata.Name = "other";
        b.Spec.Source.Qdrant.ApiKeySecretRef = null;
        b.Spec.Storage.CredentialsSecretRef = null;
        var c = Policy();
        c.Metadata.NamespaceProperty = "elsewhere";
        policies.Add(a);
        policies.Add(b);
        policies.Add(c);

        var keys = BackupPolicyController.PoliciesReferencing(WithNamespace(BackupPolicyValidatorTests.Secret("s3")), policies).ToList();
        Assert.Equal([new ObjectKey("team", "p")], keys);
    }

    [Fact]
    public void Every_Secret_a_policy_names_is_referenced_including_the_storage_CAs()
    {
        var spec = Policy().Spec;
        spec.Source.Qdrant.Tls = new QdrantTls { CaSecretRef = new SecretReference { Name = "qdrant-ca" } };
        spec.Storage.Tls = new StorageTls { CaSecretRef = new SecretReference { Name = "dc1-ca" } };
        spec.Replicas =
        [
            new ReplicaLocation { Name = "dc2", Location = "s3://b/p", CredentialsSecretRef = new SecretReference { Name = "dc2" },
                Tls = new StorageTls { CaSecretRef = new SecretReference { Name = "dc2-ca" } } },
        ];

        Assert.Equal(["qdrant", "qdrant-ca", "s3", "dc1-ca", "dc2", "dc2-ca"], BackupPolicyController.ReferencedSecrets(spec));
    }
}
