using k8s.Models;
using VectorDR.ControllerRuntime.Client;
using VectorDR.ControllerRuntime.Informers;
using VectorDR.Operator.Entities;
using VectorDR.Operator.Jobs;
using VectorDR.Operator.Metrics;

namespace VectorDR.Operator.Controllers;

/// <summary>
/// Brings a policy's status in line with its Jobs: adopts Jobs it does not know yet (created by an operator that
/// died before writing status), records each finished Job's result once, starts the copy-and-prune Job after a
/// successful backup, and ends runs whose Job vanished. The Jobs are the truth; status is the record.
/// </summary>
public sealed class BackupRunRecorder(
    IResourceCache<V1Job> jobs,
    KubeApiClient client,
    JobRecords records,
    JobInspector inspector,
    BackupJobs backupJobs,
    TimeProvider time)
{
    /// <summary>Runs kept in status.recentBackups (the CRD allows 20).</summary>
    public const int MaxRecentRuns = 10;

    /// <summary>How long a Job just created may be missing from the informer cache before the API server is asked.</summary>
    private static readonly TimeSpan CacheGrace = TimeSpan.FromSeconds(30);

    /// <summary>Set when a run's Job was not in the cache yet: look again after this long (the recorder's only timer).</summary>
    public TimeSpan? RecheckAfter { get; private set; }

    public IReadOnlyList<V1Job> OwnedJobs(BackupPolicy policy) =>
        jobs.List(policy.Metadata.NamespaceProperty)
            .Where(j => j.Metadata.OwnerReferences?.Any(o => o.Uid == policy.Metadata.Uid && o.Controller == true) == true)
            .ToList();

    /// <summary>Records what the Jobs say. Returns the Jobs recorded in this pass (to be marked once status is written).</summary>
    public async Task<IReadOnlyList<V1Job>> RecordAsync(BackupPolicy policy, PendingEvents events, List<Action> afterWrite, CancellationToken cancellationToken)
    {
        var status = policy.Status;
        var runs = status.RecentBackups ??= [];
        var owned = OwnedJobs(policy);
        var recorded = new List<V1Job>();

        foreach (var job in owned.Where(j => Step(j) == JobNames.BackupStep).OrderBy(j => j.Metadata.CreationTimestamp))
        {
            var run = runs.FirstOrDefault(r => r.Job == job.Metadata.Name);
            if (run is null)
            {
                if (JobRecords.IsRecorded(job)) continue; // recorded long ago; its entry has since scrolled out of recentBackups
                run = Adopt(job);
                runs.Add(run);
                events.Normal(EventReasons.BackupStarted, $"Job {job.Metadata.Name} adopted: it was started before the policy's status recorded it");
            }

            if (run.Result == BackupRunResult.Running && JobInspector.StateOf(job) != JobState.Active)
            {
                var outcome = await inspector.InspectAsync(job, cancellationToken);
                RecordBackup(policy, run, outcome, events, afterWrite);
                recorded.Add(job);
            }

            if (run is { Result: BackupRunResult.Succeeded, Sync: null, Id: { } id })
            {
                await CreateIfMissingAsync(backupJobs.Sync(policy, run.Job, id), cancellationToken);
                run.Sync = BackupRunResult.Running;
            }
        }

        foreach (var job in owned.Where(j => Step(j) == JobNames.SyncStep && JobInspector.StateOf(j) != JobState.Active))
        {
            var run = runs.FirstOrDefault(r => r.Job == Run(job));
            if (run?.Sync != BackupRunResult.Running) continue;
            var outcome = await inspector.InspectAsync(job, cancellationToken);
            RecordSync(policy, run, outcome, events);
            // No recorded mark needed: a sync Job is only ever recorded through its run's entry, which says Sync = Running once.
        }

        await EndVanishedRunsAsync(policy, owned, events, afterWrite, cancellationToken);

        runs.Sort((a, b) => Newest(b).CompareTo(Newest(a)));
        while (runs.Count > MaxRecentRuns && runs.FindLastIndex(r => r.Result != BackupRunResult.Running && r.Sync != BackupRunResult.Running) is var i and >= 0)
            runs.RemoveAt(i);
        var syncing = runs.FirstOrDefault(r => r.Sync == BackupRunResult.Running);
        status.ActiveJob = runs.FirstOrDefault(r => r.Result == BackupRunResult.Running)?.Job ?? (syncing is null ? null : JobNames.Sync(syncing.Job));
        return recorded;
    }

    /// <summary>Marks recorded Jobs so that a Job is never recorded twice, whatever scrolls out of status.</summary>
    public async Task MarkRecordedAsync(IEnumerable<V1Job> recorded, CancellationToken cancellationToken)
    {
        foreach (var job in recorded) await records.MarkRecordedAsync(job, cancellationToken);
    }

    public Task<bool> CreateIfMissingAsync(V1Job job, CancellationToken cancellationToken) => records.CreateIfMissingAsync(job, cancellationToken);

    private BackupRun Adopt(V1Job job)
    {
        var annotations = job.Metadata.Annotations ?? new Dictionary<string, string>();
        return new BackupRun
        {
            Job = job.Metadata.Name,
            Trigger = annotations.TryGetValue(JobNames.TriggerAnnotation, out var t) && Enum.TryParse<BackupTrigger>(t, out var trigger) ? trigger : BackupTrigger.Schedule,
            ScheduledTime = annotations.TryGetValue(JobNames.ScheduledTimeAnnotation, out var s) && DateTime.TryParse(s, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AdjustToUniversal, out var scheduled) ? scheduled : null,
            StartedAt = job.Status?.StartTime ?? job.Metadata.CreationTimestamp ?? time.GetUtcNow().UtcDateTime,
            Result = BackupRunResult.Running,
        };
    }

    private void RecordBackup(BackupPolicy policy, BackupRun run, JobOutcome outcome, PendingEvents events, List<Action> afterWrite)
    {
        var result = outcome.Container(BackupJobs.BackupContainer);
        var now = time.GetUtcNow().UtcDateTime;
        run.StartedAt ??= outcome.StartTime;
        if (outcome.State == JobState.Succeeded && result is { Succeeded: true } && result.GetString("backup", "backupId") is { } id)
        {
            run.Result = BackupRunResult.Succeeded;
            run.Id = id;
            run.StartedAt = result.GetTime("backup", "startedAt") ?? run.StartedAt;
            run.CompletedAt = result.GetTime("backup", "completedAt") ?? outcome.CompletionTime ?? now;
            run.SizeBytes = result.GetInt64("backup", "sizeBytes");
            run.Points = result.GetInt64("backup", "points");
            run.Message = null;
            var newest = policy.Status.LastSuccessfulBackup;
            if (newest?.CompletedAt is null || newest.CompletedAt <= run.CompletedAt)
                policy.Status.LastSuccessfulBackup = new BackupReference { Id = id, CompletedAt = run.CompletedAt, SizeBytes = run.SizeBytes, Points = run.Points };
            events.Normal(EventReasons.BackupSucceeded,
                $"backup {id} committed to {policy.Spec.Storage.Location.Split('?')[0]} by Job {run.Job}: {Bytes(run.SizeBytes)}, {run.Points ?? 0} points");
            afterWrite.Add(() => BackupMetrics.CountRun(policy, BackupRunResult.Succeeded));
        }
        else
        {
            run.Result = BackupRunResult.Failed;
            run.CompletedAt = outcome.CompletionTime ?? now;
            run.Message = outcome.State == JobState.Succeeded
                ? "the Job completed but its pod reported no backup id (termination message missing or unreadable)"
                : outcome.FailureMessage;
            events.Warning(EventReasons.BackupFailed, $"Job {run.Job} failed: {run.Message}");
            afterWrite.Add(() => BackupMetrics.CountRun(policy, BackupRunResult.Failed));
        }
    }

    private void RecordSync(BackupPolicy policy, BackupRun run, JobOutcome outcome, PendingEvents events)
    {
        var status = policy.Status;
        var now = time.GetUtcNow().UtcDateTime;
        var pruned = new List<string>();

        if (outcome.Container(BackupJobs.PrimaryPruneContainer) is { } primary)
        {
            status.LastPrune = Summary(primary, now);
            if (primary.Succeeded) pruned.Add($"primary kept {status.LastPrune.Kept}, deleted {status.LastPrune.Deleted}");
            else events.Warning(EventReasons.PruneFailed, $"retention on the primary location failed: {primary.Error}");
        }

        foreach (var replica in policy.Spec.Replicas ?? [])
        {
            var state = (status.Replicas ??= []).FirstOrDefault(r => r.Name == replica.Name);
            if (state is null) status.Replicas.Add(state = new ReplicaStatus { Name = replica.Name });

            var copy = outcome.Container(BackupJobs.CopyContainer(replica.Name));
            if (copy is { Succeeded: true })
            {
                state.LastCopiedBackup = new BackupReference { Id = run.Id!, CompletedAt = run.CompletedAt, SizeBytes = run.SizeBytes, Points = run.Points };
                state.LastCopyResult = BackupRunResult.Succeeded;
                state.Message = null;
                var outcomeText = copy.Navigate("backups") is System.Text.Json.Nodes.JsonArray { Count: > 0 } list ? list[0]?["outcome"]?.GetValue<string>() : null;
                events.Normal(EventReasons.ReplicaCopied,
                    $"backup {run.Id} {(outcomeText == "skipped" ? "was already" : "copied and")} verified at replica {replica.Name}");
            }
            else
            {
                state.LastCopyResult = BackupRunResult.Failed;
                state.Message = copy?.Error ?? $"not attempted: {outcome.FailureMessage}";
                events.Warning(EventReasons.ReplicaCopyFailed, $"backup {run.Id} was not copied to replica {replica.Name}: {state.Message}");
            }
            state.LastCopyTime = now;

            if (outcome.Container(BackupJobs.PruneContainer(replica.Name)) is { } prune)
            {
                state.LastPrune = Summary(prune, now);
                if (prune.Succeeded) pruned.Add($"replica {replica.Name} kept {state.LastPrune.Kept}, deleted {state.LastPrune.Deleted}");
                else events.Warning(EventReasons.PruneFailed, $"retention on replica {replica.Name} failed: {prune.Error}");
            }
        }
        status.Replicas?.RemoveAll(r => policy.Spec.Replicas?.Any(s => s.Name == r.Name) != true);

        if (pruned.Count > 0) events.Normal(EventReasons.Pruned, string.Join("; ", pruned));
        run.Sync = outcome.State == JobState.Succeeded ? BackupRunResult.Succeeded : BackupRunResult.Failed;
    }

    private async Task EndVanishedRunsAsync(BackupPolicy policy, IReadOnlyList<V1Job> owned, PendingEvents events, List<Action> afterWrite,
        CancellationToken cancellationToken)
    {
        foreach (var run in policy.Status.RecentBackups!)
        {
            if (run.Result == BackupRunResult.Running && !await ExistsAsync(policy, owned, run.Job, run.StartedAt, cancellationToken))
            {
                run.Result = BackupRunResult.Failed;
                run.CompletedAt = time.GetUtcNow().UtcDateTime;
                run.Message = $"Job {run.Job} was deleted before its result was read; a backup it committed is still in the bucket (vectordr list)";
                events.Warning(EventReasons.JobLost, run.Message);
                afterWrite.Add(() => BackupMetrics.CountRun(policy, BackupRunResult.Failed));
            }
            else if (run.Sync == BackupRunResult.Running && !await ExistsAsync(policy, owned, JobNames.Sync(run.Job), run.CompletedAt, cancellationToken))
            {
                run.Sync = BackupRunResult.Failed;
                events.Warning(EventReasons.JobLost, $"Job {JobNames.Sync(run.Job)} was deleted before its result was read; the next run copies and prunes again");
            }
        }
    }

    // The cache can lag behind a Job created a moment ago: only the API server can say it is really gone. Asked only once
    // the run is old enough for the cache to have caught up (a deleted Job's event brings the policy back here anyway).
    private async Task<bool> ExistsAsync(BackupPolicy policy, IReadOnlyList<V1Job> owned, string name, DateTime? since, CancellationToken cancellationToken)
    {
        if (owned.Any(j => j.Metadata.Name == name)) return true;
        if (since is { } started && time.GetUtcNow().UtcDateTime - started < CacheGrace)
        {
            RecheckAfter = CacheGrace;
            return true;
        }
        return await client.GetAsync<V1Job>(policy.Metadata.NamespaceProperty, name, cancellationToken) is { } job
               && job.Metadata.OwnerReferences?.Any(o => o.Uid == policy.Metadata.Uid) == true;
    }

    private static PruneSummary Summary(CommandResult result, DateTime now) => result.Succeeded
        ? new PruneSummary { Time = now, Kept = (int?)result.GetInt64("kept"), Deleted = (int?)result.GetInt64("deleted") }
        : new PruneSummary { Time = now, Message = result.Error };

    private static string? Step(V1Job job) => Label(job, JobNames.StepLabel);

    private static string? Run(V1Job job) => Label(job, JobNames.RunLabel);

    private static string? Label(V1Job job, string key) => job.Metadata.Labels is { } labels && labels.TryGetValue(key, out var value) ? value : null;

    private static DateTime Newest(BackupRun run) => run.StartedAt ?? run.ScheduledTime ?? run.CompletedAt ?? DateTime.MinValue;

    private static string Bytes(long? bytes) => bytes is not { } b ? "size unknown"
        : b >= 1L << 30 ? $"{b / (double)(1L << 30):0.00} GiB" : b >= 1L << 20 ? $"{b / (double)(1L << 20):0.0} MiB" : $"{b / 1024.0:0.0} KiB";
}
