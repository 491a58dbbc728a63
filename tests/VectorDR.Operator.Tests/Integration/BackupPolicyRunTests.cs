using k8s;
using k8s.Models;
using VectorDR.ControllerRuntime.Entities;
using VectorDR.Engine.Tests.Support;
using VectorDR.Operator.Entities;
using VectorDR.Storage.Tests.Support;
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
        var app = await world.StartOperatorAsync();
        await world.CreatePolicyAsync("orders", primary, spec =>
        {
            spec.Replicas = [new ReplicaLocation { Name = "west", Location = replica }];
            spec.Retention = new RetentionPolicy { KeepLast = 2 };
            spec.Rpo = "1h";
        });

        for (var i = 1; i <= 3; i++)
        {
            await world.BackupNowAsync("orders", $"run-{i}");
            await world.WaitForPolicyAsync("orders", p => p.Status.LastBackupNowValue == $"run-{i}" && p.Status.ActiveJob is null
                && p.Status.RecentBackups?.FirstOrDefault() is { Result: BackupRunResult.Succeeded, Sync: BackupRunResult.Succeeded },
                $"run {i} backed up, copied and pruned");
        }

        var policy = await world.PolicyAsync("orders");
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

        var events = await world.EventsOnceAsync(e => Occurrences(e, "BackupSucceeded") >= 3 && Occurrences(e, "ReplicaCopied") >= 3
            && e.Any(x => x.Reason == "Pruned" && x.Message.Contains("deleted 1")), "the third run's events");
        Assert.Equal(3, Occurrences(events, "BackupStarted"));
        Assert.Equal(3, Occurrences(events, "BackupSucceeded"));
        Assert.Equal(3, Occurrences(events, "ReplicaCopied"));
        Assert.Contains(events, e => e.Reason == "Pruned" && e.Message.Contains("primary kept 2, deleted 1") && e.Message.Contains("replica west kept 2, deleted 1"));

        // (a policy name of its own: metrics are process-wide, and other tests in this process back up "docs")
        var metrics = await OperatorHarness.MetricsAsync(app);
        Assert.Contains("vectordr_backup_runs_total{namespace=\"default\",policy=\"orders\",outcome=\"succeeded\"} 3", metrics);
        Assert.Contains("vectordr_backup_rpo_met{namespace=\"default\",policy=\"orders\"} 1", metrics);
        Assert.Contains("vectordr_backup_replica_lag_seconds{namespace=\"default\",policy=\"orders\",replica=\"west\"} 0", metrics);
        Assert.Contains("vectordr_backup_last_size_bytes{namespace=\"default\",policy=\"orders\"} " + newest.SizeBytes, metrics);

        // Six Jobs (backup + sync per run), owned by the policy, carrying our labels only.
        var jobs = await world.JobsAsync();
        Assert.Equal(6, jobs.Count);
        Assert.All(jobs, j =>
        {
            Assert.Equal(policy.Metadata.Uid, j.Metadata.OwnerReferences.Single().Uid);
            Assert.Equal("orders", j.Metadata.Labels["dr.vectordr.io/policy"]);
            if (j.Metadata.Labels["dr.vectordr.io/step"] == "backup") Assert.Equal("true", j.Metadata.Annotations["dr.vectordr.io/recorded"]);
            Assert.NotNull(j.Spec.TtlSecondsAfterFinished);
            var containers = (j.Spec.Template.Spec.InitContainers ?? []).Concat(j.Spec.Template.Spec.Containers).ToList();
            Assert.All(containers, c => Assert.Equal("FallbackToLogsOnError", c.TerminationMessagePolicy));
            Assert.DoesNotContain(DrWorld.QdrantKey, KubernetesJson.Serialize(j));
        });
        var sync = jobs.First(j => j.Metadata.Labels["dr.vectordr.io/step"] == "sync");
        Assert.Equal(["prune", "copy-west"], sync.Spec.Template.Spec.InitContainers.Select(c => c.Name));
        Assert.Equal("prune-west", sync.Spec.Template.Spec.Containers.Single().Name);
    }

    [Fact]
    public async Task Failed_runs_say_why_in_the_commands_own_words_and_the_next_run_succeeds()
    {
        await using var world = await DrWorld.StartAsync();
        var primary = world.FileLocation("primary");
        await world.CreateSecretAsync("wrong-key", ("api-key", "not-the-key"));
        await world.StartOperatorAsync();

        // 1. Wrong API key.
        await world.CreatePolicyAsync("docs", primary, spec => spec.Source.Qdrant.ApiKeySecretRef = new SecretKeyReference { Name = "wrong-key", Key = "api-key" });
        var failed = await FailedRunAsync(world, "k1");
        Assert.Matches("(?i)api key|401|403|unauthori[sz]ed|forbidden", failed.Message);
        var condition = Conditions.Find((await world.PolicyAsync("docs")).Status.Conditions, "LastBackupSucceeded")!;
        Assert.Equal(ConditionStatus.False, condition.Status);
        Assert.Equal("BackupFailed", condition.Reason);
        Assert.Contains(failed.Message!, condition.Message);

        // 2. Qdrant unreachable.
        await world.Client.MergePatchAsync<BackupPolicy>("default", "docs",
            new { spec = new { source = new { qdrant = new { url = "http://127.0.0.1:9", apiKeySecretRef = new { name = "qdrant", key = "api-key" } } } } }, CancellationToken.None);
        failed = await FailedRunAsync(world, "k2");
        Assert.Contains("127.0.0.1:9", failed.Message);

        // 3. The backup location does not exist (a missing bucket or an unmounted volume).
        await world.Client.MergePatchAsync<BackupPolicy>("default", "docs",
            new { spec = new { source = new { qdrant = new { url = world.QdrantUrl } }, storage = new { location = primary + "-missing" } } }, CancellationToken.None);
        failed = await FailedRunAsync(world, "k3");
        Assert.Contains("primary-missing", failed.Message);

        // Fixed: the next run succeeds and the condition turns True.
        await world.Client.MergePatchAsync<BackupPolicy>("default", "docs", new { spec = new { storage = new { location = primary } } }, CancellationToken.None);
        await world.BackupNowAsync("docs", "k4");
        var policy = await world.WaitForPolicyAsync("docs", p => p.Status.RecentBackups?.FirstOrDefault() is { Result: BackupRunResult.Succeeded, Sync: not BackupRunResult.Running }
            && p.Status.LastBackupNowValue == "k4", "the fixed run succeeded");
        Assert.Equal(ConditionStatus.True, Conditions.Find(policy.Status.Conditions, "LastBackupSucceeded")!.Status);
        Assert.Equal([policy.Status.LastSuccessfulBackup!.Id], world.BackupsIn(primary));
        Assert.Equal(3, policy.Status.RecentBackups!.Count(r => r.Result == BackupRunResult.Failed));
        var events = await world.EventsOnceAsync(e => Occurrences(e, "BackupFailed") >= 3, "three BackupFailed events");
        Assert.Equal(3, events.Where(e => e.Reason == "BackupFailed" && e.Type == "Warning").Sum(e => e.Count ?? 1));
    }

    private static async Task<BackupRun> FailedRunAsync(DrWorld world, string value)
    {
        await world.BackupNowAsync("docs", value);
        var policy = await world.WaitForPolicyAsync("docs", p => p.Status.LastBackupNowValue == value && p.Status.RecentBackups?.FirstOrDefault()?.Result == BackupRunResult.Failed,
            $"run {value} failed");
        var run = policy.Status.RecentBackups![0];
        Assert.False(string.IsNullOrWhiteSpace(run.Message));
        Assert.DoesNotContain("exited with code", run.Message); // the command's own words, not a generic exit code
        return run;
    }

    [Fact]
    public async Task An_operator_killed_while_a_Job_runs_is_replaced_and_adopts_the_Job_recording_it_once()
    {
        await using var world = await DrWorld.StartAsync();
        var primary = world.FileLocation("primary");
        var first = await world.StartOperatorAsync("first");
        await world.CreatePolicyAsync("docs", primary);
        world.Qdrant.Faults.DelayNextRequests(TimeSpan.FromSeconds(3), count: 1); // the Job's first request to Qdrant hangs a while

        await world.BackupNowAsync("docs", "once");
        await world.WaitForPolicyAsync("docs", p => p.Status.ActiveJob is not null, "the Job started");
        await world.Kube.StopOperatorAsync(first);

        // While no operator runs, another value arrives: it must wait for the running Job, not overlap it.
        await world.BackupNowAsync("docs", "twice");
        await world.StartOperatorAsync("second");
        var policy = await world.WaitForPolicyAsync("docs", p => p.Status.LastBackupNowValue == "twice" && p.Status.ActiveJob is null
            && p.Status.RecentBackups is { Count: 2 } runs && runs.All(r => r is { Result: BackupRunResult.Succeeded, Sync: BackupRunResult.Succeeded }),
            "both runs done, one after the other");

        var backupJobs = (await world.JobsAsync()).Where(j => j.Metadata.Labels["dr.vectordr.io/step"] == "backup").OrderBy(j => j.Metadata.CreationTimestamp).ToList();
        Assert.Equal(2, backupJobs.Count);
        // No overlap: the second backup Job was created after the first one had finished.
        Assert.True(backupJobs[1].Metadata.CreationTimestamp >= backupJobs[0].Status.CompletionTime, "runs overlapped");
        var events = await world.EventsOnceAsync(e => Occurrences(e, "BackupSucceeded") >= 2, "two BackupSucceeded events");
        Assert.Equal(2, Occurrences(events, "BackupSucceeded"));
        Assert.Equal(2, Occurrences(events, "BackupStarted"));
        Assert.Equal(2, world.BackupsIn(primary).Count);
        Assert.Equal(policy.Status.RecentBackups!.Select(r => r.Id!).Order(), world.BackupsIn(primary));
    }

    [Fact]
    public async Task Deleting_a_policy_stops_its_running_Job_and_leaves_its_backups()
    {
        await using var world = await DrWorld.StartAsync();
        var primary = world.FileLocation("primary");
        await world.StartOperatorAsync();
        await world.CreatePolicyAsync("docs", primary);
        await world.BackupNowAsync("docs", "a");
        var done = await world.WaitForPolicyAsync("docs", p => p.Status.RecentBackups?.FirstOrDefault() is { Result: BackupRunResult.Succeeded, Sync: BackupRunResult.Succeeded },
            "first backup");

        world.Qdrant.Faults.DelayNextRequests(TimeSpan.FromSeconds(30), count: 1);
        await world.BackupNowAsync("docs", "b");
        await world.WaitForPolicyAsync("docs", p => p.Status.ActiveJob is not null && p.Status.LastBackupNowValue == "b", "second run active");
        await EventuallyAsync(async () => (await world.PodsAsync()).Any(p => p.Status?.Phase == "Running"), "its pod runs");

        await world.Client.DeleteAsync<BackupPolicy>("default", "docs", CancellationToken.None);
        await EventuallyAsync(async () => (await world.JobsAsync()).Count == 0 && (await world.PodsAsync()).All(p => p.Status?.Phase != "Running"),
            "Jobs garbage-collected with the policy, the running pod stopped", TimeSpan.FromSeconds(30));
        Assert.Equal([done.Status.LastSuccessfulBackup!.Id], world.BackupsIn(primary));
    }

    [S3Fact]
    public async Task S3_primary_and_replica_with_credentials_from_Secrets_and_no_secret_value_anywhere()
    {
        await using var buckets = new S3Buckets();
        var (primaryBucket, primary) = await buckets.CreateAsync("prod");
        var (replicaBucket, replica) = await buckets.CreateAsync("standby");
        await using var world = await DrWorld.StartAsync();
        await world.CreateSecretAsync("s3-primary", ("AWS_ACCESS_KEY_ID", buckets.Settings.AccessKey), ("AWS_SECRET_ACCESS_KEY", buckets.Settings.SecretKey));
        await world.CreateSecretAsync("s3-standby", ("AWS_ACCESS_KEY_ID", buckets.Settings.AccessKey), ("AWS_SECRET_ACCESS_KEY", buckets.Settings.SecretKey));
        var logs = new CapturedLogs();
        await world.StartOperatorAsync(logs: logs);
        await world.CreatePolicyAsync("docs", primary, spec =>
        {
            spec.Storage.CredentialsSecretRef = new SecretReference { Name = "s3-primary" };
            spec.Replicas = [new ReplicaLocation { Name = "standby", Location = replica, CredentialsSecretRef = new SecretReference { Name = "s3-standby" } }];
        });

        await world.BackupNowAsync("docs", "1");
        var policy = await world.WaitForPolicyAsync("docs", p => p.Status.RecentBackups?.FirstOrDefault() is { Result: BackupRunResult.Succeeded, Sync: BackupRunResult.Succeeded },
            "backed up to S3 and copied to the standby bucket");
        var id = policy.Status.LastSuccessfulBackup!.Id;
        Assert.Contains($"prod/backups/{id}/manifest.json", await buckets.KeysAsync(primaryBucket));
        Assert.Contains($"standby/backups/{id}/manifest.json", await buckets.KeysAsync(replicaBucket));
        Assert.Equal(id, policy.Status.Replicas!.Single().LastCopiedBackup!.Id);
        Assert.Equal(ConditionStatus.True, Conditions.Find(policy.Status.Conditions, "ReplicasInSync")!.Status);

        // Credentials reach the containers only as secretKeyRefs; the copy's destination through its own prefix.
        var jobs = await world.JobsAsync();
        var copy = jobs.Single(j => j.Metadata.Labels["dr.vectordr.io/step"] == "sync").Spec.Template.Spec.InitContainers.Single(c => c.Name == "copy-standby");
        Assert.Equal("s3-standby", copy.Env.Single(e => e.Name == "DEST_AWS_SECRET_ACCESS_KEY").ValueFrom.SecretKeyRef.Name);
        Assert.Equal("s3-primary", copy.Env.Single(e => e.Name == "AWS_SECRET_ACCESS_KEY").ValueFrom.SecretKeyRef.Name);
        Assert.Contains("--to-env-prefix", copy.Args);

        string[] secrets = [buckets.Settings.SecretKey, DrWorld.QdrantKey];
        var pods = await world.PodsAsync();
        var podLogs = new List<string>();
        var kubernetes = world.Client.Kubernetes;
        foreach (var pod in pods)
            foreach (var container in (pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers))
            {
                using var stream = await kubernetes.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, "default", container: container.Name);
                podLogs.Add(await new StreamReader(stream).ReadToEndAsync());
            }
        Assert.Contains(podLogs, l => l.Contains(id)); // the logs were read, and say something
        var everything = new[]
        {
            KubernetesJson.Serialize(jobs), KubernetesJson.Serialize(pods), KubernetesJson.Serialize(await world.EventsAsync()),
            KubernetesJson.Serialize(await world.PolicyAsync("docs")), string.Join("\n", logs.Lines), string.Join("\n", podLogs),
        };
        Assert.NotEmpty(logs.Lines);
        foreach (var secret in secrets)
            Assert.All(everything, text => Assert.DoesNotContain(secret, text));
    }
}
