using VectorDR.ControllerRuntime.Entities;
using VectorDR.Operator.Entities;
using VectorDR.Operator.Jobs;

namespace VectorDR.Operator.Tests.Integration;

/// <summary>
/// file:// locations on PersistentVolumeClaims: the Jobs' root filesystem is read-only, so a cluster's backup folder is
/// a claim mounted at the location's path. The emulated kubelet maps each claim to a folder of the test's own.
/// </summary>
[Collection("emulator")]
public sealed class VolumeLocationTests
{
    // Paths that do not exist on this machine: only the claims' mounts make them reachable from the Jobs.
    private const string Primary = "file:///var/lib/vectordr-test/prod";
    private const string Standby = "file:///var/lib/vectordr-test/standby";

    [Fact]
    public async Task Backups_land_on_the_claims_mounted_at_the_location_paths_and_the_standby_claim_restores()
    {
        await using var world = await DrWorld.StartAsync();
        await world.CreateClaimAsync(DrWorld.PrimaryClaim);
        await world.CreateClaimAsync(DrWorld.StandbyClaim);
        await world.StartOperatorAsync();
        await world.CreatePolicyAsync("docs", Primary, spec =>
        {
            spec.Storage.PersistentVolumeClaim = new PersistentVolumeClaimReference { ClaimName = DrWorld.PrimaryClaim };
            spec.Replicas = [new ReplicaLocation { Name = "standby", Location = Standby, PersistentVolumeClaim = new PersistentVolumeClaimReference { ClaimName = DrWorld.StandbyClaim } }];
        });

        var id = await world.BackUpNowAndSyncAsync("docs", "1");
        Assert.True(File.Exists(Path.Combine(world.ClaimFolder(DrWorld.PrimaryClaim), "backups", id, "manifest.json")), "the backup is on the primary claim");
        Assert.True(File.Exists(Path.Combine(world.ClaimFolder(DrWorld.StandbyClaim), "backups", id, "manifest.json")), "its copy is on the standby claim");

        var sync = (await world.JobsAsync()).Single(j => j.Metadata.Labels[JobNames.StepLabel] == JobNames.SyncStep).Spec.Template.Spec;
        Assert.Equal([(DrWorld.PrimaryClaim, "/var/lib/vectordr-test/prod"), (DrWorld.StandbyClaim, "/var/lib/vectordr-test/standby")],
            sync.Volumes.Where(v => v.PersistentVolumeClaim is not null)
                .Select(v => (v.PersistentVolumeClaim.ClaimName, sync.Containers.Single().VolumeMounts.Single(m => m.Name == v.Name).MountPath)));

        var request = await world.RestoreLatestFromReplicaAsync("from-standby", "docs", "standby", "docs-standby");
        Assert.Equal(id, request.Status.BackupId);
    }

    [Fact]
    public async Task A_missing_claim_keeps_the_policy_and_a_restore_from_it_waiting_until_it_is_created()
    {
        await using var world = await DrWorld.StartAsync();
        await world.StartOperatorAsync();
        await world.CreatePolicyAsync("docs", Primary, spec => spec.Storage.PersistentVolumeClaim = new PersistentVolumeClaimReference { ClaimName = DrWorld.PrimaryClaim });
        await world.CreateRestoreAsync("from-claim", new RestoreSource { BackupPolicyRef = new BackupPolicySourceReference { Name = "docs" }, Latest = true },
            t => t.Collections = [new CollectionMapping { From = DrWorld.Collection, To = "docs-2" }]);

        var policy = await world.WaitForPolicyAsync("docs", p => Conditions.Find(p.Status.Conditions, "Ready")?.Reason == "PersistentVolumeClaimNotFound", "Ready False: no claim");
        Assert.Equal("spec.storage.persistentVolumeClaim: PersistentVolumeClaim \"dr-backups\" not found", Conditions.Find(policy.Status.Conditions, "Ready")!.Message);
        var waiting = await world.WaitForRestoreAsync("from-claim", r => Conditions.Find(r.Status.Conditions, "Ready")?.Reason == "PersistentVolumeClaimNotFound", "the restore waits for the claim");
        Assert.Equal(RestorePhase.Pending, waiting.Status.Phase);
        Assert.Empty(await world.JobsAsync()); // nothing was started that could only hang

        await world.CreateClaimAsync(DrWorld.PrimaryClaim);
        await world.WaitForPolicyAsync("docs", p => Conditions.Find(p.Status.Conditions, "Ready")?.Status == ConditionStatus.True, "Ready once the claim exists");
    }

    [Fact]
    public async Task A_replica_on_the_primarys_claim_is_refused_naming_both()
    {
        await using var world = await DrWorld.StartAsync();
        await world.CreateClaimAsync(DrWorld.PrimaryClaim);
        await world.StartOperatorAsync();
        await world.CreatePolicyAsync("docs", Primary, spec =>
        {
            spec.Storage.PersistentVolumeClaim = new PersistentVolumeClaimReference { ClaimName = DrWorld.PrimaryClaim };
            spec.Replicas = [new ReplicaLocation { Name = "standby", Location = Standby, PersistentVolumeClaim = new PersistentVolumeClaimReference { ClaimName = DrWorld.PrimaryClaim } }];
        });

        var policy = await world.WaitForPolicyAsync("docs", p => Conditions.Find(p.Status.Conditions, "Ready")?.Status == ConditionStatus.False, "Ready False");
        var ready = Conditions.Find(policy.Status.Conditions, "Ready")!;
        Assert.Equal(("InvalidLocation", "spec.replicas[0].persistentVolumeClaim: claim \"dr-backups\" already holds spec.storage; a replica on the same volume is the same folder"),
            (ready.Reason, ready.Message));
    }
}
