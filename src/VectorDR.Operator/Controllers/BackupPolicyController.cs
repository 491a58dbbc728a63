using k8s;
using k8s.Models;
using VectorDR.ControllerRuntime.Client;
using VectorDR.ControllerRuntime.Controllers;
using VectorDR.ControllerRuntime.Entities;
using VectorDR.ControllerRuntime.Events;
using VectorDR.ControllerRuntime.Informers;
using VectorDR.ControllerRuntime.Rbac;
using VectorDR.Operator.Entities;
using VectorDR.Operator.Jobs;
using VectorDR.Operator.Metrics;
using VectorDR.Operator.Scheduling;
using VectorDR.Operator.Validation;

namespace VectorDR.Operator.Controllers;

/// <summary>
/// Drives a BackupPolicy: validates it (Ready), records what its Jobs did (<see cref="BackupRunRecorder"/>), starts
/// the run that is due (a schedule occurrence or a new backup-now value) as a Job with a deterministic name, and
/// tells the story in conditions (LastBackupSucceeded, ReplicasInSync, RPOMet), events and metrics. It never moves
/// backup bytes, never writes spec, and requeues itself for exactly the next moment something changes (the next
/// occurrence, the instant the RPO would be missed): nothing is polled.
/// </summary>
[EntityRbac(typeof(BackupPolicy), Verbs = RbacVerb.Read | RbacVerb.Update | RbacVerb.Patch)]
[EntityRbac(typeof(V1Secret), Verbs = RbacVerb.Read)]
[EntityRbac(typeof(V1PersistentVolumeClaim), Verbs = RbacVerb.Read)]
[EntityRbac(typeof(V1Job), Verbs = RbacVerb.All)]
[EntityRbac(typeof(V1Pod), Verbs = RbacVerb.Read)]
public sealed class BackupPolicyController(
    IResourceCache<V1Secret> secrets,
    IResourceCache<V1PersistentVolumeClaim> claims,
    BackupRunRecorder recorder,
    BackupJobs backupJobs,
    RestoreHolds holds,
    IStatusWriter statusWriter,
    IEventPublisher events,
    TimeProvider time,
    ILogger<BackupPolicyController> logger) : IEntityController<BackupPolicy>
{
    public const string ReadyCondition = "Ready";
    public const string LastBackupSucceededCondition = "LastBackupSucceeded";
    public const string ReplicasInSyncCondition = "ReplicasInSync";
    public const string RpoMetCondition = "RPOMet";
    public const string HeldCondition = "Held";
    public const string BackupNowAnnotation = "dr.vectordr.io/backup-now";

    // The longest the controller sleeps on a policy: keeps nextScheduleTime honest across DST and clock changes
    // without polling busily.
    private static readonly TimeSpan MaxRequeue = TimeSpan.FromHours(1);

    public async Task<ReconciliationResult> ReconcileAsync(BackupPolicy policy, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var ns = policy.Metadata.NamespaceProperty;
        var status = policy.Status;
        var before = KubernetesJson.Serialize(status);
        var generation = policy.Metadata.Generation;
        var pending = new PendingEvents();
        var afterWrite = new List<Action>();

        var validation = BackupPolicyValidator.Validate(policy.Spec, name => secrets.Get(ns, name), name => claims.Get(ns, name));
        var recorded = await recorder.RecordAsync(policy, pending, afterWrite, cancellationToken);

        CronSchedule? schedule = validation.Error is null ? new CronSchedule(validation.Cron!, validation.TimeZone!) : null;
        var hold = schedule is null ? null : holds.HoldFor(policy);
        if (schedule is not null && hold is null)
            await StartDueRunAsync(policy, schedule, now, pending, afterWrite, cancellationToken);

        var next = schedule is null || policy.Spec.Suspend ? null : schedule.NextAfter(now);
        status.NextScheduleTime = next is { } n ? Seconds(n.UtcDateTime) : null;
        status.ObservedGeneration = generation;

        SetReady(policy, validation.Error, now, pending);
        SetHeld(policy, hold, now, pending);
        SetLastBackupSucceeded(policy, now);
        SetReplicasInSync(policy, now);
        var (rpoMet, rpoFlip) = SetRpoMet(policy, now, pending);

        if (KubernetesJson.Serialize(status) != before)
        {
            try
            {
                await statusWriter.ReplaceStatusAsync(policy, cancellationToken);
            }
            catch (KubeApiException e) when (e.IsConflict)
            {
                // Reconciled from a stale copy: anything recorded here may already be recorded. Start again from the fresh object
                // (the Jobs created meanwhile have deterministic names and are adopted, not doubled).
                logger.LogDebug("BackupPolicy {Namespace}/{Name} changed while reconciling; reconciling the new version", ns, policy.Metadata.Name);
                return ReconciliationResult.Success(TimeSpan.FromMilliseconds(100));
            }
        }
        await recorder.MarkRecordedAsync(recorded, cancellationToken);
        foreach (var action in afterWrite) action();
        BackupMetrics.Observe(policy, rpoMet, now);
        foreach (var (reason, message, type) in pending.Items)
            logger.Log(type == EventType.Warning ? LogLevel.Warning : LogLevel.Information, "BackupPolicy {Namespace}/{Name}: {Reason}: {Message}",
                ns, policy.Metadata.Name, reason, message);
        await pending.PublishAsync(events, policy, cancellationToken);

        var recheck = recorder.RecheckAfter is { } r ? now + r : (DateTimeOffset?)null;
        return ReconciliationResult.Success(Requeue(now, next, rpoFlip, recheck, hold));
    }

    public Task<ReconciliationResult> DeletedAsync(BackupPolicy policy, CancellationToken cancellationToken)
    {
        // Backups outlive their policy (as Velero's do): nothing in the buckets is touched. Running Jobs are owned by the
        // policy, so Kubernetes' garbage collector deletes them and their pods with it.
        BackupMetrics.Forget(policy);
        return Task.FromResult(ReconciliationResult.Success());
    }

    private async Task StartDueRunAsync(BackupPolicy policy, CronSchedule schedule, DateTimeOffset now, PendingEvents pending, List<Action> afterWrite,
        CancellationToken cancellationToken)
    {
        var status = policy.Status;
        var runs = status.RecentBackups!;
        // One backup at a time. The copy-and-prune Job of the previous run may still be going: it works only on committed
        // backups (a backup in progress has no manifest yet) and every step is idempotent, so it does not hold the next one.
        var active = runs.FirstOrDefault(r => r.Result == BackupRunResult.Running)?.Job;

        if (!policy.Spec.Suspend)
        {
            var since = status.LastScheduleTime is { } last ? new DateTimeOffset(DateTime.SpecifyKind(last, DateTimeKind.Utc))
                : new DateTimeOffset(DateTime.SpecifyKind(policy.Metadata.CreationTimestamp ?? now.UtcDateTime, DateTimeKind.Utc));
            if (schedule.Due(since, now) is { } due)
            {
                var name = JobNames.ScheduledBackup(policy.Metadata.Name, due.ScheduledTime);
                var missed = due.MissedBefore > 0 ? $" ({due.MissedBefore} earlier occurrence(s) since {Seconds(since.UtcDateTime):u} were missed and are not run)" : "";
                status.LastScheduleTime = due.ScheduledTime.UtcDateTime;
                if (runs.Any(r => r.Job == name))
                {
                    // Already started (adopted from its Job after a restart or a failed status write): nothing more to do.
                }
                else if (policy.Spec.StartingDeadlineSeconds is { } deadline && due.Lateness > TimeSpan.FromSeconds(deadline))
                {
                    Skip(policy, name, due.ScheduledTime, EventReasons.BackupMissed,
                        $"the run scheduled for {due.ScheduledTime.UtcDateTime:u} is {DurationText.Format(due.Lateness)} late, more than startingDeadlineSeconds ({deadline}); skipped{missed}",
                        pending, afterWrite);
                }
                else if (active is not null)
                {
                    Skip(policy, name, due.ScheduledTime, EventReasons.BackupSkipped,
                        $"the run scheduled for {due.ScheduledTime.UtcDateTime:u} was skipped: backup Job {active} of the previous run is still running", pending, afterWrite);
                }
                else
                {
                    await StartAsync(policy, backupJobs.Backup(policy, name, BackupTrigger.Schedule, due.ScheduledTime), BackupTrigger.Schedule, due.ScheduledTime,
                        $"scheduled for {due.ScheduledTime.UtcDateTime:u}{missed}", pending, cancellationToken);
                    active = name;
                }
            }
        }

        // An on-demand run waits for the active one to end (a Job event wakes this policy then); it is never dropped.
        var annotations = policy.Metadata.Annotations;
        if (annotations is not null && annotations.TryGetValue(BackupNowAnnotation, out var value) && value.Length > 0
            && value != status.LastBackupNowValue
            && (active is null || active == JobNames.BackupNow(policy.Metadata.Name, value)))
        {
            var name = JobNames.BackupNow(policy.Metadata.Name, value);
            await StartAsync(policy, backupJobs.Backup(policy, name, BackupTrigger.BackupNow, null), BackupTrigger.BackupNow, null,
                $"on demand ({BackupNowAnnotation}={value})", pending, cancellationToken);
            status.LastBackupNowValue = value;
        }
    }

    private async Task StartAsync(BackupPolicy policy, V1Job job, BackupTrigger trigger, DateTimeOffset? scheduled, string why, PendingEvents pending,
        CancellationToken cancellationToken)
    {
        var status = policy.Status;
        var name = job.Metadata.Name;
        await recorder.CreateIfMissingAsync(job, cancellationToken);
        status.ActiveJob = name;
        if (status.RecentBackups!.Any(r => r.Job == name)) return;
        status.RecentBackups!.Insert(0, new BackupRun
        {
            Job = name, Trigger = trigger, ScheduledTime = scheduled?.UtcDateTime, StartedAt = Seconds(time.GetUtcNow().UtcDateTime),
            Result = BackupRunResult.Running,
        });
        // Announced when status first records the run (not when this call created the Job): if the status write fails,
        // the next reconcile adopts the Job and announces it then, so the event is neither lost nor doubled.
        pending.Normal(EventReasons.BackupStarted, $"Job {name} started: {why}");
    }

    private void Skip(BackupPolicy policy, string name, DateTimeOffset scheduled, string reason, string message, PendingEvents pending, List<Action> afterWrite)
    {
        if (policy.Status.RecentBackups!.Any(r => r.Job == name)) return;
        policy.Status.RecentBackups!.Insert(0, new BackupRun
        {
            Job = name, Trigger = BackupTrigger.Schedule, ScheduledTime = scheduled.UtcDateTime, StartedAt = Seconds(time.GetUtcNow().UtcDateTime),
            CompletedAt = Seconds(time.GetUtcNow().UtcDateTime), Result = BackupRunResult.Skipped, Message = message,
        });
        pending.Warning(reason, message);
        afterWrite.Add(() => BackupMetrics.CountRun(policy, BackupRunResult.Skipped));
    }

    private static void SetReady(BackupPolicy policy, ValidationError? error, DateTimeOffset now, PendingEvents pending)
    {
        var conditions = policy.Status.Conditions;
        var generation = policy.Metadata.Generation;
        // The message must not mention the next run: it would change every period and every tick would look like a transition.
        var changed = error is not null
            ? Conditions.Set(conditions, ReadyCondition, ConditionStatus.False, error.Reason, error.Message, generation, now.UtcDateTime)
            : Conditions.Set(conditions, ReadyCondition, ConditionStatus.True, Reasons.Validated,
                policy.Spec.Suspend ? "spec is valid; scheduling is suspended" : "spec is valid and every referenced Secret exists", generation, now.UtcDateTime);
        if (!changed) return;
        var ready = Conditions.Find(conditions, ReadyCondition)!;
        if (ready.Status == ConditionStatus.True) pending.Normal(ready.Reason, ready.Message);
        else pending.Warning(ready.Reason, ready.Message);
    }

    private static void SetHeld(BackupPolicy policy, string? hold, DateTimeOffset now, PendingEvents pending)
    {
        var conditions = policy.Status.Conditions;
        if (hold is null)
        {
            conditions.RemoveAll(c => c.Type == HeldCondition);
            return;
        }
        if (Conditions.Set(conditions, HeldCondition, ConditionStatus.True, EventReasons.BackupHeld, hold, policy.Metadata.Generation, now.UtcDateTime))
            pending.Normal(EventReasons.BackupHeld, hold);
    }

    private static void SetLastBackupSucceeded(BackupPolicy policy, DateTimeOffset now)
    {
        var last = policy.Status.RecentBackups?.FirstOrDefault(r => r.Result is BackupRunResult.Succeeded or BackupRunResult.Failed);
        var (state, reason, message) = last switch
        {
            null => (ConditionStatus.Unknown, "NoBackupYet", "no backup run has finished yet"),
            { Result: BackupRunResult.Succeeded } => (ConditionStatus.True, EventReasons.BackupSucceeded,
                $"backup {last.Id} completed at {last.CompletedAt:u} (Job {last.Job})"),
            _ => (ConditionStatus.False, EventReasons.BackupFailed, $"Job {last.Job}: {last.Message}"),
        };
        Conditions.Set(policy.Status.Conditions, LastBackupSucceededCondition, state, reason, message, policy.Metadata.Generation, now.UtcDateTime);
    }

    private static void SetReplicasInSync(BackupPolicy policy, DateTimeOffset now)
    {
        var status = policy.Status;
        if (policy.Spec.Replicas is not { Count: > 0 } replicas)
        {
            status.Conditions.RemoveAll(c => c.Type == ReplicasInSyncCondition);
            status.Replicas = null;
            return;
        }
        var newest = status.LastSuccessfulBackup;
        if (newest is null)
        {
            Conditions.Set(status.Conditions, ReplicasInSyncCondition, ConditionStatus.Unknown, "NoBackupYet", "no successful backup to copy yet",
                policy.Metadata.Generation, now.UtcDateTime);
            return;
        }
        // While the newest backup's copy Job runs, replicas lagging by that one backup are not news: judge once it ended.
        var copying = status.RecentBackups?.FirstOrDefault(r => r.Id == newest.Id)?.Sync == BackupRunResult.Running;
        var lagging = replicas
            .Select(r => (Spec: r, State: status.Replicas?.FirstOrDefault(s => s.Name == r.Name)))
            .Where(r => r.State?.LastCopiedBackup?.Id != newest.Id)
            .ToList();
        if (copying && lagging.Count > 0 && Conditions.Find(status.Conditions, ReplicasInSyncCondition) is not null) return;

        if (lagging.Count == 0)
        {
            Conditions.Set(status.Conditions, ReplicasInSyncCondition, ConditionStatus.True, "InSync",
                $"every replica ({string.Join(", ", replicas.Select(r => r.Name))}) holds backup {newest.Id}, verified there", policy.Metadata.Generation, now.UtcDateTime);
            return;
        }
        var detail = string.Join("; ", lagging.Select(l =>
            $"replica {l.Spec.Name} {(l.State?.LastCopiedBackup?.Id is { } id ? $"holds {id}" : "holds no backup")}" +
            (l.State?.Message is { } m ? $" (last copy failed: {m})" : "")));
        Conditions.Set(status.Conditions, ReplicasInSyncCondition, copying ? ConditionStatus.Unknown : ConditionStatus.False,
            copying ? "Copying" : "ReplicaLagging", $"newest backup is {newest.Id}: {detail}", policy.Metadata.Generation, now.UtcDateTime);
    }

    /// <returns>Whether the RPO is met (null without spec.rpo) and when that answer would flip on its own.</returns>
    private static (bool? Met, DateTimeOffset? Flip) SetRpoMet(BackupPolicy policy, DateTimeOffset now, PendingEvents pending)
    {
        var conditions = policy.Status.Conditions;
        if (!DurationText.TryParse(policy.Spec.Rpo, out var rpo))
        {
            conditions.RemoveAll(c => c.Type == RpoMetCondition);
            return (null, null);
        }

        var generation = policy.Metadata.Generation;
        var newest = policy.Status.LastSuccessfulBackup;
        bool changed;
        bool met;
        DateTimeOffset? flip = null;
        if (newest?.CompletedAt is { } completedAt)
        {
            var completed = new DateTimeOffset(DateTime.SpecifyKind(completedAt, DateTimeKind.Utc));
            var age = now - completed;
            met = age < rpo;
            flip = met ? completed + rpo : null;
            changed = Conditions.Set(conditions, RpoMetCondition, met ? ConditionStatus.True : ConditionStatus.False, met ? "WithinObjective" : "ObjectiveMissed",
                met ? $"the newest successful backup {newest.Id} is within the RPO of {policy.Spec.Rpo}"
                    : $"the newest successful backup {newest.Id} completed at {completedAt:u}, {DurationText.Format(age)} ago: older than the RPO of {policy.Spec.Rpo}",
                generation, now.UtcDateTime);
        }
        else
        {
            // No backup yet: the policy has been protecting nothing since it was created; that is a miss once the RPO has passed.
            var created = new DateTimeOffset(DateTime.SpecifyKind(policy.Metadata.CreationTimestamp ?? now.UtcDateTime, DateTimeKind.Utc));
            met = now - created < rpo;
            flip = met ? created + rpo : null;
            changed = met
                ? Conditions.Set(conditions, RpoMetCondition, ConditionStatus.Unknown, "NoBackupYet", "no successful backup yet; the policy is younger than its RPO",
                    generation, now.UtcDateTime)
                : Conditions.Set(conditions, RpoMetCondition, ConditionStatus.False, "ObjectiveMissed",
                    $"no successful backup since the policy was created {DurationText.Format(now - created)} ago: longer than the RPO of {policy.Spec.Rpo}", generation, now.UtcDateTime);
        }

        var condition = Conditions.Find(conditions, RpoMetCondition)!;
        if (changed && condition.Status == ConditionStatus.False) pending.Warning(EventReasons.RpoMissed, condition.Message);
        else if (changed && condition.Status == ConditionStatus.True && condition.Reason == "WithinObjective" && pending.Items.All(e => e.Reason != EventReasons.BackupSucceeded))
            pending.Normal(EventReasons.RpoMet, condition.Message);
        return (met, flip);
    }

    private static TimeSpan? Requeue(DateTimeOffset now, DateTimeOffset? next, DateTimeOffset? rpoFlip, DateTimeOffset? recheck, string? hold)
    {
        var wake = new[] { next, rpoFlip, recheck }.Where(t => t is not null).Select(t => t!.Value).DefaultIfEmpty(now + MaxRequeue).Min();
        var wait = wake - now;
        // A hold ends when the restore ends, which reconciles this policy: the periodic look is only a safety net.
        if (hold is not null && wait > TimeSpan.FromMinutes(1)) wait = TimeSpan.FromMinutes(1);
        return wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait > MaxRequeue ? MaxRequeue : wait;
    }

    private static DateTime Seconds(DateTime t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);

    /// <summary>The policies of a Secret's namespace that name it (so a Secret created late turns them Ready).</summary>
    public static IEnumerable<ObjectKey> PoliciesReferencing(V1Secret secret, IResourceCache<BackupPolicy> policies) =>
        policies.List(secret.Metadata.NamespaceProperty)
            .Where(p => ReferencedSecrets(p.Spec).Contains(secret.Metadata.Name))
            .Select(ObjectKey.Of);

    /// <summary>The policies of a claim's namespace whose locations live on it (so a claim created late turns them Ready).</summary>
    public static IEnumerable<ObjectKey> PoliciesOnClaim(V1PersistentVolumeClaim claim, IResourceCache<BackupPolicy> policies) =>
        policies.List(claim.Metadata.NamespaceProperty)
            .Where(p => p.Spec.Locations().Any(l => l.PersistentVolumeClaim?.ClaimName == claim.Metadata.Name))
            .Select(ObjectKey.Of);

    public static IEnumerable<string> ReferencedSecrets(BackupPolicySpec spec)
    {
        if (spec.Source.Qdrant.ApiKeySecretRef?.Name is { } apiKey) yield return apiKey;
        if (spec.Source.Qdrant.Tls?.CaSecretRef?.Name is { } ca) yield return ca;
        foreach (var location in spec.Locations())
        {
            if (location.CredentialsSecretRef?.Name is { } credentials) yield return credentials;
            if (location.Tls?.CaSecretRef?.Name is { } storageCa) yield return storageCa;
        }
    }
}
