using k8s;
using k8s.Models;
using VectorDR.ControllerRuntime.Entities;
using VectorDR.Operator.Entities;
using static VectorDR.Operator.Tests.Integration.OperatorHarness;

namespace VectorDR.Operator.Tests.Integration;

/// <summary>BackupPolicy end to end: real `vectordr` processes run by the emulator's Job runner against the Qdrant emulator.</summary>
[Collection("emulator")]
public sealed class BackupPolicyRunTests
{
    [Fact]
    public async Task Backup_now_backs_up_copies_to_the_replica_verified_and_prunes()
    {
        await using var world = await DrWorld.StartAsync();
        var primary = world.FileLocation("primary");
        var replica = world.FileLocation("replica-west");
        await world.StartOperatorAsync();
        await world.CreatePolicyAsync("docs", primary, spec =>
        {
            spec.Replicas = [new ReplicaLocation { Name = "west", Location = replica }];
            spec.Retention = new RetentionPolicy { KeepLast = 2 };
            spec.Rpo = "1h";
        });

        for (var i = 1; i <= 3; i++)
        {
            await world.BackupNowAsync("docs", $"run-{i}");
            await world.WaitForPolicyAsync("docs", p => p.Status.LastBackupNowValue == $"run-{i}" && p.Status.ActiveJob is null
                && p.Status.RecentBackups?.FirstOrDefault() is { Result: BackupRunResult.Succeeded, Sync: BackupRunResult.Succeeded },
                $"run {i} backed up, copied and pruned");
        }

        var policy = await world.PolicyAsync("docs");
        var status = policy.Status;
        var newest = status.LastSuccessfulBackup!;
        Assert.Equal(300, newest.Points);
        Assert.True(newest.SizeBytes > 0);
        Assert.Equal(3, status.RecentBackups!.Count(r => r.Result == BackupRunResult.Succeeded));
        Assert.All(status.RecentBackups!, r => Assert.Equal(BackupTrigger.BackupNow, r.Trigger));

        // keepLast 2 on both sides: the two newest backups remain, the newest of them is in the replica, verified there.
        var kept = status.RecentBackups!.Take(2).Select(r => r.Id!).Order().ToList();
        Assert.Equal(kept, world.BackupsIn(primary));
        Assert.Equal(kept, world.BackupsIn(replica));
        Assert.Equal(new PruneSummary { Kept = 2, Deleted = 1 }.Deleted, status.LastPrune!.Deleted);
        Assert.Equal(2, status.LastPrune.Kept);
        var west = Assert.Single(status.Replicas!);
        Assert.Equal(newest.Id, west.LastCopiedBackup!.Id);
        Assert.Equal(BackupRunResult.Succeeded, west.LastCopyResult);

        Assert.Equal(ConditionStatus.True, Conditions.Find(status.Conditions, "LastBackupSucceeded")!.Status);
        Assert.Equal(ConditionStatus.True, Conditions.Find(status.Conditions, "ReplicasInSync")!.Status);
        Assert.Equal(ConditionStatus.True, Conditions.Find(status.Conditions, "RPOMet")!.Status);
        Assert.Equal(ConditionStatus.True, Conditions.Find(status.Conditions, "Ready")!.Status);

        var events = await world.EventsAsync();
        Assert.Equal(3, events.Where(e => e.Reason == "BackupStarted").Sum(e => e.Count ?? 1));
        Assert.Equal(3, events.Where(e => e.Reason == "BackupSucceeded").Sum(e => e.Count ?? 1));
        Assert.Equal(3, events.Where(e => e.Reason == "ReplicaCopied").Sum(e => e.Count ?? 1));
        Assert.Contains(events, e => e.Reason == "Pruned" && e.Message.Contains("primary kept 2, deleted 1") && e.Message.Contains("replica west kept 2, deleted 1"));

        // Six Jobs (backup + sync per run), owned by the policy, carrying our labels only.
        var jobs = await world.JobsAsync();
        Assert.Equal(6, jobs.Count);
        Assert.All(jobs, j =>
        {
            Assert.Equal(policy.Metadata.Uid, j.Metadata.OwnerReferences.Single().Uid);
            Assert.Equal("docs", j.Metadata.Labels["dr.vectordr.io/policy"]);
            Assert.Equal("true", j.Metadata.Annotations["dr.vectordr.io/recorded"]);
            Assert.NotNull(j.Spec.TtlSecondsAfterFinished);
            var containers = (j.Spec.Template.Spec.InitContainers ?? []).Concat(j.Spec.Template.Spec.Containers).ToList();
            Assert.All(containers, c => Assert.Equal("FallbackToLogsOnError", c.TerminationMessagePolicy));
            Assert.DoesNotContain(DrWorld.QdrantKey, KubernetesJson.Serialize(j));
        });
        var sync = jobs.First(j => j.Metadata.Labels["dr.vectordr.io/step"] == "sync");
        Assert.Equal(["prune", "copy-west"], sync.Spec.Template.Spec.InitContainers.Select(c => c.Name));
        Assert.Equal("prune-west", sync.Spec.Template.Spec.Containers.Single().Name);
    }
}
