using k8s;
using k8s.Models;
using VectorDR.ControllerRuntime.Entities;
using VectorDR.Operator.Entities;
using VectorDR.Operator.Metrics;
using static VectorDR.Operator.Tests.Integration.OperatorHarness;

namespace VectorDR.Operator.Tests.Integration;

/// <summary>RestoreRequest end to end: real `vectordr restore` processes run by the emulator's Job runner against the Qdrant emulator.</summary>
[Collection("emulator")]
public sealed class RestoreRequestRunTests
{
    [Fact]
    public async Task Latest_from_a_policy_restores_verifies_switches_the_alias_and_records_the_rto()
    {
        await using var world = await DrWorld.StartAsync();
        var primary = world.FileLocation("primary");
        await world.BackupWithCliAsync(primary);
        await Task.Delay(1100); // backup ids are second-resolution
        var newest = await world.BackupWithCliAsync(primary);
        await world.CreatePolicyAsync("docs", primary);
        await world.StartOperatorAsync();

        await world.CreateRestoreAsync("restore-latest", new RestoreSource { BackupPolicyRef = new BackupPolicySourceReference { Name = "docs" }, Latest = true },
            t =>
            {
                t.Collections = [new CollectionMapping { From = DrWorld.Collection, To = "docs-restored" }];
                t.SwitchAlias = "docs-live";
            });
        var request = await world.WaitForRestoreEndAsync("restore-latest");

        var status = request.Status;
        Assert.True(status.Phase == RestorePhase.Succeeded, status.Message);
        Assert.Equal(newest.Id, status.BackupId);
        var collection = Assert.Single(status.Collections!);
        Assert.Equal(("docs", "docs-restored", 300L, 300L, 1.0), (collection.From, collection.To, collection.Points!.Value, collection.ExpectedPoints!.Value, collection.Recall!.Value));
        Assert.NotNull(status.StartedAt);
        Assert.True(status.CompletedAt >= status.StartedAt);
        Assert.True(status.DurationSeconds >= 0);
        Assert.Equal(request.Metadata.Generation, status.ObservedGeneration);
        Assert.Equal(ConditionStatus.True, Conditions.Find(status.Conditions, "Ready")!.Status);
        Assert.Equal(ConditionStatus.True, Conditions.Find(status.Conditions, "Restored")!.Status);
        Assert.Equal(ConditionStatus.True, Conditions.Find(status.Conditions, "Verified")!.Status);
        Assert.Contains("alias 'docs-live'", status.Message);

        using var qdrant = world.QdrantAt();
        Assert.Equal(300, await qdrant.CountAsync("docs-restored"));
        Assert.Equal("docs-restored", await qdrant.AliasAsync("docs-live"));

        // One Job: deterministic name, owned by the request, the Qdrant key only as a secretKeyRef, recorded.
        var job = Assert.Single(await world.JobsAsync());
        Assert.Equal("restore-latest-restore", job.Metadata.Name);
        Assert.Equal(request.Metadata.Uid, job.Metadata.OwnerReferences.Single(o => o.Controller == true).Uid);
        Assert.Equal("true", job.Metadata.Annotations["dr.vectordr.io/recorded"]);
        Assert.Equal(0, job.Spec.BackoffLimit);
        var container = job.Spec.Template.Spec.Containers.Single();
        Assert.Equal(["restore", primary, "--latest", "--qdrant", world.QdrantUrl, "--collection", "docs:docs-restored", "--on-existing", "fail",
            "--switch-alias", "docs-live", "--json"], container.Args);
        Assert.Equal("qdrant", container.Env.Single(e => e.Name == "QDRANT_API_KEY").ValueFrom.SecretKeyRef.Name);
        Assert.DoesNotContain(DrWorld.QdrantKey, KubernetesJson.Serialize(job));
        Assert.DoesNotContain(DrWorld.QdrantKey, KubernetesJson.Serialize(request));

        var events = await world.EventsOnceAsync(e => Occurrences(e, "RestoreSucceeded") >= 1, "the RestoreSucceeded event");
        Assert.Contains(events, e => e.Reason == "RestoreStarted" && e.InvolvedObject.Name == "restore-latest");
        Assert.Equal(1, Occurrences(events, "RestoreSucceeded"));
        Assert.True(RestoreMetrics.LastRto.WithLabels("default", "127.0.0.1").Value >= 0);
    }

    [Fact]
    public async Task Backup_id_and_point_in_time_select_exactly_and_never_fall_back()
    {
        await using var world = await DrWorld.StartAsync();
        var location = world.FileLocation("bucket");
        var first = await world.BackupWithCliAsync(location);
        await Task.Delay(1100);
        var second = await world.BackupWithCliAsync(location);
        await world.StartOperatorAsync();

        RestoreSource At(string? id = null, DateTime? pointInTime = null) => new() { Location = location, BackupId = id, PointInTime = pointInTime };
        Action<RestoreTarget> Into(string name) => t => t.Collections = [new CollectionMapping { From = DrWorld.Collection, To = name }];

        await world.CreateRestoreAsync("by-id", At(id: first.Id), Into("docs-by-id"));
        // Between the two backups: the older one is chosen.
        await world.CreateRestoreAsync("between", At(pointInTime: first.CompletedAt.UtcDateTime.AddMilliseconds(500)), Into("docs-between"));
        await world.CreateRestoreAsync("latest", new RestoreSource { Location = location, Latest = true }, Into("docs-latest"));
        await world.CreateRestoreAsync("too-early", At(pointInTime: first.CompletedAt.UtcDateTime.AddHours(-1)), Into("docs-too-early"));
        await world.CreateRestoreAsync("unknown-id", At(id: "20000101T000000Z-nope"), Into("docs-unknown"));

        var byId = await world.WaitForRestoreEndAsync("by-id");
        Assert.True(byId.Status.Phase == RestorePhase.Succeeded, byId.Status.Message);
        Assert.Equal(first.Id, byId.Status.BackupId);

        var between = await world.WaitForRestoreEndAsync("between");
        Assert.True(between.Status.Phase == RestorePhase.Succeeded, between.Status.Message);
        Assert.Equal(first.Id, between.Status.BackupId);

        var latest = await world.WaitForRestoreEndAsync("latest");
        Assert.Equal(second.Id, latest.Status.BackupId);

        var tooEarly = await world.WaitForRestoreEndAsync("too-early");
        Assert.Equal(RestorePhase.Failed, tooEarly.Status.Phase);
        Assert.Contains("no backup completed at or before", tooEarly.Status.Message);
        Assert.Contains($"the earliest is '{first.Id}'", tooEarly.Status.Message);
        Assert.Null(tooEarly.Status.DurationSeconds);
        Assert.Equal(ConditionStatus.False, Conditions.Find(tooEarly.Status.Conditions, "Restored")!.Status);

        var unknown = await world.WaitForRestoreEndAsync("unknown-id");
        Assert.Equal(RestorePhase.Failed, unknown.Status.Phase);
        Assert.Contains("backup '20000101T000000Z-nope' does not exist", unknown.Status.Message);
        Assert.Contains(first.Id, unknown.Status.Message);
        Assert.Contains(second.Id, unknown.Status.Message);

        using var qdrant = world.QdrantAt();
        Assert.False(await qdrant.ExistsAsync("docs-too-early"));
        Assert.False(await qdrant.ExistsAsync("docs-unknown"));
        await world.EventsOnceAsync(events => events.Any(e => e.Reason == "RestoreFailed" && e.InvolvedObject.Name == "too-early"),
            "a RestoreFailed event for too-early");
    }

    [Fact]
    public async Task A_corrupt_part_fails_naming_the_part_and_leaves_the_alias_alone()
    {
        await using var world = await DrWorld.StartAsync();
        var location = world.FileLocation("bucket");
        var backup = await world.BackupWithCliAsync(location);
        var part = Directory.GetFiles(Path.Combine(new Uri(location).LocalPath, "backups", backup.Id), "*.snapshot", SearchOption.AllDirectories).First();
        var bytes = await File.ReadAllBytesAsync(part);
        bytes[bytes.Length / 2] ^= 0xFF; // same size, different content: only the checksum can tell
        await File.WriteAllBytesAsync(part, bytes);
        using var qdrant = world.QdrantAt();
        await qdrant.CreateAliasAsync("docs-live", DrWorld.Collection);
        await world.StartOperatorAsync();

        await world.CreateRestoreAsync("corrupt", new RestoreSource { Location = location, BackupId = backup.Id }, t =>
        {
            t.Collections = [new CollectionMapping { From = DrWorld.Collection, To = "docs-new" }];
            t.SwitchAlias = "docs-live";
        });
        var request = await world.WaitForRestoreEndAsync("corrupt");

        Assert.Equal(RestorePhase.Failed, request.Status.Phase);
        Assert.Contains(Path.GetFileName(part), request.Status.Message);
        Assert.Equal(backup.Id, request.Status.BackupId ?? backup.Id);
        Assert.Equal(DrWorld.Collection, await qdrant.AliasAsync("docs-live"));
        Assert.False(await qdrant.ExistsAsync("docs-new"));
        Assert.Equal(ConditionStatus.False, Conditions.Find(request.Status.Conditions, "Verified")!.Status);
    }

    [Fact]
    public async Task OnExisting_Fail_leaves_the_collection_and_Replace_overwrites_it()
    {
        await using var world = await DrWorld.StartAsync();
        var location = world.FileLocation("bucket");
        await world.BackupWithCliAsync(location);
        await world.Qdrant.SeedCollectionAsync("other", 50, 8);
        await world.StartOperatorAsync();
        Action<RestoreTarget> Into(OnExistingPolicy onExisting) => t =>
        {
            t.Collections = [new CollectionMapping { From = DrWorld.Collection, To = "other" }];
            t.OnExisting = onExisting;
        };

        await world.CreateRestoreAsync("fail", new RestoreSource { Location = location, Latest = true }, Into(OnExistingPolicy.Fail));
        var failed = await world.WaitForRestoreEndAsync("fail");
        Assert.Equal(RestorePhase.Failed, failed.Status.Phase);
        Assert.Contains("already exists", failed.Status.Message);
        using var qdrant = world.QdrantAt();
        Assert.Equal(50, await qdrant.CountAsync("other"));
        Assert.Equal(["restore", location, "--latest"], (await world.JobsAsync()).Single().Spec.Template.Spec.Containers[0].Args.Take(3));

        await world.CreateRestoreAsync("replace", new RestoreSource { Location = location, Latest = true }, Into(OnExistingPolicy.Replace));
        var replaced = await world.WaitForRestoreEndAsync("replace");
        Assert.True(replaced.Status.Phase == RestorePhase.Succeeded, replaced.Status.Message);
        Assert.Equal(300, await qdrant.CountAsync("other"));
        Assert.Contains("replace", (await world.JobsAsync()).Single(j => j.Metadata.Name == "replace-restore").Spec.Template.Spec.Containers[0].Args);
    }

    [Fact]
    public async Task An_operator_restarted_mid_restore_adopts_the_job_one_job_one_result()
    {
        await using var world = await DrWorld.StartAsync();
        var location = world.FileLocation("bucket");
        await world.BackupWithCliAsync(location);
        var first = await world.StartOperatorAsync("operator-a");
        world.Qdrant.Faults.DelayNextRequests(TimeSpan.FromMilliseconds(400)); // a restore of seconds, not milliseconds

        await world.CreateRestoreAsync("restart", new RestoreSource { Location = location, Latest = true },
            t => t.Collections = [new CollectionMapping { From = DrWorld.Collection, To = "docs-restart" }]);
        await world.WaitForRestoreAsync("restart", r => r.Status.Phase == RestorePhase.Running, "restore running");
        await world.Kube.StopOperatorAsync(first);
        await world.StartOperatorAsync("operator-b");

        var request = await world.WaitForRestoreEndAsync("restart", 90);
        world.Qdrant.Faults.Clear();
        Assert.True(request.Status.Phase == RestorePhase.Succeeded, request.Status.Message);
        Assert.Single(await world.JobsAsync());
        Assert.Single(await world.PodsAsync());
        var events = await world.EventsOnceAsync(e => Occurrences(e, "RestoreSucceeded") >= 1, "the RestoreSucceeded event");
        Assert.Equal(1, Occurrences(events, "RestoreStarted"));
        Assert.Equal(1, Occurrences(events, "RestoreSucceeded"));
    }

    [Fact]
    public async Task A_policy_on_the_same_collection_is_held_while_the_restore_runs_and_resumes_after()
    {
        await using var world = await DrWorld.StartAsync();
        var location = world.FileLocation("primary");
        await world.BackupWithCliAsync(location);
        await world.CreatePolicyAsync("docs", location);
        await world.StartOperatorAsync();
        await world.WaitForPolicyAsync("docs", p => p.Status.ObservedGeneration is not null, "policy observed");
        world.Qdrant.Faults.DelayNextRequests(TimeSpan.FromMilliseconds(400));

        // Restoring over the very collection the policy backs up.
        await world.CreateRestoreAsync("over-docs", new RestoreSource { BackupPolicyRef = new BackupPolicySourceReference { Name = "docs" }, Latest = true },
            t => t.OnExisting = OnExistingPolicy.Replace);
        await world.WaitForPolicyAsync("docs", p => Conditions.Find(p.Status.Conditions, "Held")?.Status == ConditionStatus.True, "policy held");
        await world.BackupNowAsync("docs", "during-restore");
        await Task.Delay(1500);
        var running = await world.RestoreAsync("over-docs");
        Assert.NotEqual(RestorePhase.Succeeded, running!.Status.Phase); // still running: the hold was observed while it mattered
        Assert.DoesNotContain(await world.JobsAsync(), j => j.Metadata.Labels["dr.vectordr.io/step"] == "backup");
        Assert.Contains("over-docs", Conditions.Find((await world.PolicyAsync("docs")).Status.Conditions, "Held")!.Message);

        var request = await world.WaitForRestoreEndAsync("over-docs", 90);
        world.Qdrant.Faults.Clear();
        Assert.True(request.Status.Phase == RestorePhase.Succeeded, request.Status.Message);
        var policy = await world.WaitForPolicyAsync("docs", p => p.Status.LastBackupNowValue == "during-restore"
            && p.Status.RecentBackups?.FirstOrDefault() is { Result: BackupRunResult.Succeeded }, "the held backup ran after the restore", 90);
        Assert.Null(Conditions.Find(policy.Status.Conditions, "Held"));
        await world.EventsOnceAsync(events => events.Any(e => e.Reason == "BackupHeld"), "a BackupHeld event");
    }

    [Fact]
    public async Task Deleting_a_running_request_stops_its_job_and_removes_the_collection_it_created()
    {
        await using var world = await DrWorld.StartAsync();
        var location = world.FileLocation("bucket");
        await world.BackupWithCliAsync(location);
        await world.StartOperatorAsync();
        world.Qdrant.Faults.DelayNextRequests(TimeSpan.FromMilliseconds(700));

        await world.CreateRestoreAsync("doomed", new RestoreSource { Location = location, Latest = true },
            t => t.Collections = [new CollectionMapping { From = DrWorld.Collection, To = "docs-doomed" }]);
        using var qdrant = world.QdrantAt();
        await OperatorHarness.EventuallyAsync(() => qdrant.ExistsAsync("docs-doomed"), "the restore created its collection", TimeSpan.FromSeconds(60));
        var running = (await world.RestoreAsync("doomed"))!;
        Assert.Equal(RestorePhase.Running, running.Status.Phase);
        Assert.Contains("dr.vectordr.io/finalizer", running.Metadata.Finalizers);

        // Keep the restore slow until its pod is stopped: its verification still has several requests to make, each
        // held 1.5 s. Clearing the delay here (as this test did) let the restore sometimes finish before the SIGTERM
        // arrived, and a finished restore rightly keeps its collection: the test then waited for a removal that must
        // not happen. The cleanup (two requests) still fits the pod's grace period (10 s in this world).
        world.Qdrant.Faults.DelayNextRequests(TimeSpan.FromSeconds(1.5));
        await world.Client.DeleteAsync<RestoreRequest>("default", "doomed", CancellationToken.None);
        await OperatorHarness.EventuallyAsync(async () => await world.RestoreAsync("doomed") is null, "request gone", TimeSpan.FromSeconds(30));
        Assert.Empty(await world.JobsAsync());
        Assert.Empty(await world.PodsAsync());
        await OperatorHarness.EventuallyAsync(async () => !await qdrant.ExistsAsync("docs-doomed"), "the half-restored collection removed", TimeSpan.FromSeconds(10));
        Assert.True(await qdrant.ExistsAsync(DrWorld.Collection)); // the source collection is never touched
        await world.EventsOnceAsync(events => events.Any(e => e.Reason == "RestoreCancelled"), "a RestoreCancelled event");
    }

    [Theory]
    [InlineData("s3://Backups/qdrant", null, null, null,
        "spec.source.location: \"s3://Backups/qdrant\" is not a valid location: \"Backups\" is not a valid bucket name (3-63 lowercase letters, digits, dots and hyphens)")]
    [InlineData("s3://backups/qdrant?endpoint=http://127.0.0.1:9", null, "bucket-ca", null,
        "spec.source.tls.caSecretRef: the location's endpoint http://127.0.0.1:9 is plain http; a CA bundle needs https")]
    [InlineData("file:///var/backups/qdrant", "bucket", null, null, "spec.source.credentialsSecretRef: credentials apply to s3:// locations only")]
    [InlineData("s3://backups/qdrant", null, null, "backups-pvc", "spec.source.persistentVolumeClaim: a volume applies to file:// locations only")]
    public async Task An_explicit_source_whose_fields_cannot_work_together_fails_at_once_naming_the_field(
        string location, string? credentials, string? ca, string? claim, string expected)
    {
        // A RestoreRequest's spec is immutable: waiting could not fix it, so it fails before any Job, instead of a pod failing later.
        await using var h = await OperatorHarness.StartAsync();
        await h.StartOperatorAsync("op");
        await h.Client.CreateAsync(new RestoreRequest
        {
            Metadata = new V1ObjectMeta { Name = "bad-source", NamespaceProperty = "default" },
            Spec = new RestoreRequestSpec
            {
                Source = new RestoreSource
                {
                    Location = location, Latest = true,
                    CredentialsSecretRef = credentials is null ? null : new SecretReference { Name = credentials },
                    Tls = ca is null ? null : new StorageTls { CaSecretRef = new SecretReference { Name = ca } },
                    PersistentVolumeClaim = claim is null ? null : new PersistentVolumeClaimReference { ClaimName = claim },
                },
                Target = new RestoreTarget { Qdrant = new QdrantEndpoint { Url = "http://qdrant:6333" } },
            },
        }, CancellationToken.None);

        await OperatorHarness.EventuallyAsync(async () => (await h.Client.GetAsync<RestoreRequest>("default", "bad-source", CancellationToken.None))?.Status.Phase == RestorePhase.Failed,
            "the request failed", TimeSpan.FromSeconds(30));
        var failed = (await h.Client.GetAsync<RestoreRequest>("default", "bad-source", CancellationToken.None))!;
        Assert.Equal(expected, failed.Status.Message);
        var ready = Conditions.Find(failed.Status.Conditions, "Ready")!;
        Assert.Equal((ConditionStatus.False, "InvalidLocation", expected), (ready.Status, ready.Reason, ready.Message));
        Assert.Null(failed.Status.JobName);
        Assert.Empty((await h.Client.Kubernetes.BatchV1.ListNamespacedJobAsync("default")).Items);
        await h.EventsOnceAsync(events => events.Any(e => e.Reason == "RestoreFailed" && e.Message == expected), "a RestoreFailed event naming the field");
    }
}
