using System.Globalization;
using System.Text.Json.Nodes;
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

namespace VectorDR.Operator.Controllers;

/// <summary>
/// Drives a RestoreRequest to its one result: resolves the source (a policy's storage, one of its replicas, or an
/// explicit location), starts one Job with a deterministic name (adopted after a restart, never started twice),
/// follows it (Pending → Running) and records what the restore command reported (Succeeded with per-collection
/// verification, or Failed with the reason), once. A finished request is never run again. The Job is the truth and
/// status the record; the phase only moves forward.
/// </summary>
[EntityRbac(typeof(RestoreRequest), Verbs = RbacVerb.Read | RbacVerb.Update | RbacVerb.Patch)]
[EntityRbac(typeof(BackupPolicy), Verbs = RbacVerb.Read)]
[EntityRbac(typeof(V1Secret), Verbs = RbacVerb.Read)]
[EntityRbac(typeof(V1PersistentVolumeClaim), Verbs = RbacVerb.Read)]
[EntityRbac(typeof(V1Job), Verbs = RbacVerb.All)]
[EntityRbac(typeof(V1Pod), Verbs = RbacVerb.Read)]
public sealed class RestoreRequestController(
    IResourceCache<BackupPolicy> policies,
    IResourceCache<V1Secret> secrets,
    IResourceCache<V1PersistentVolumeClaim> claims,
    IResourceCache<V1Job> jobs,
    KubeApiClient client,
    JobRecords records,
    JobInspector inspector,
    RestoreJobs restoreJobs,
    IStatusWriter statusWriter,
    IEventPublisher events,
    TimeProvider time,
    ILogger<RestoreRequestController> logger) : IEntityController<RestoreRequest>
{
    public const string ReadyCondition = "Ready";
    public const string RestoredCondition = "Restored";
    public const string VerifiedCondition = "Verified";

    /// <summary>
    /// How long a request waits for its BackupPolicy or a Secret to appear (GitOps tools apply in no particular order)
    /// before it fails: a restore must end, not wait forever.
    /// </summary>
    public static readonly TimeSpan SourceWaitLimit = TimeSpan.FromMinutes(5);

    // Job events wake the request; this only bounds how long a lost event could leave it unobserved.
    private static readonly TimeSpan InProgressRequeue = TimeSpan.FromMinutes(1);

    public async Task<ReconciliationResult> ReconcileAsync(RestoreRequest request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var status = request.Status;
        var before = KubernetesJson.Serialize(status);
        var pending = new PendingEvents();
        var afterWrite = new List<Func<Task>>();
        var jobName = JobNames.Restore(request.Metadata.Name);
        TimeSpan? requeue = null;

        if (status.Phase is RestorePhase.Succeeded or RestorePhase.Failed)
        {
            // Final: never re-run, whatever happens to the Job afterwards (TTL, deletion). Only make sure the Job
            // carries the recorded mark (an operator may have died between the status write and the mark).
            if (Owned(request, jobs.Get(request.Metadata.NamespaceProperty, jobName)) is { } done && !JobRecords.IsRecorded(done))
                afterWrite.Add(() => records.MarkRecordedAsync(done, cancellationToken));
        }
        else
        {
            status.Phase ??= RestorePhase.Pending;
            var job = Owned(request, jobs.Get(request.Metadata.NamespaceProperty, jobName));
            if (job is null && status.JobName is not null)
                job = Owned(request, await client.GetAsync<V1Job>(request.Metadata.NamespaceProperty, jobName, cancellationToken)); // the cache may lag

            if (job is null && status.JobName is not null)
            {
                Fail(request, now, EventReasons.JobLost,
                    $"Job {status.JobName} disappeared before it reported a result (deleted, or removed by its TTL): the outcome is unknown and no " +
                    "RTO was measured; a stopped restore removes the collections it created, check the target before using it", restored: null, pending);
            }
            else if (job is null)
            {
                requeue = await StartAsync(request, jobName, now, pending, cancellationToken);
            }
            else
            {
                await FollowAsync(request, job, now, pending, afterWrite, cancellationToken);
            }
            if (status.Phase is not (RestorePhase.Succeeded or RestorePhase.Failed)) requeue ??= InProgressRequeue;
        }
        status.ObservedGeneration = request.Metadata.Generation;

        if (KubernetesJson.Serialize(status) != before)
        {
            try
            {
                await statusWriter.ReplaceStatusAsync(request, cancellationToken);
            }
            catch (KubeApiException e) when (e.IsConflict)
            {
                // A stale copy: redo from the fresh object. A Job created meanwhile has a deterministic name and is adopted.
                logger.LogDebug("RestoreRequest {Namespace}/{Name} changed while reconciling; reconciling the new version",
                    request.Metadata.NamespaceProperty, request.Metadata.Name);
                return ReconciliationResult.Success(TimeSpan.FromMilliseconds(100));
            }
        }
        foreach (var action in afterWrite) await action();
        foreach (var (reason, message, type) in pending.Items)
            logger.Log(type == EventType.Warning ? LogLevel.Warning : LogLevel.Information, "RestoreRequest {Namespace}/{Name}: {Reason}: {Message}",
                request.Metadata.NamespaceProperty, request.Metadata.Name, reason, message);
        await pending.PublishAsync(events, request, cancellationToken);
        return ReconciliationResult.Success(requeue);
    }

    /// <summary>Resolves the source and starts the Job; or waits (bounded) for a missing policy or Secret; or fails a spec that cannot work.</summary>
    private async Task<TimeSpan?> StartAsync(RestoreRequest request, string jobName, DateTime now, PendingEvents pending, CancellationToken cancellationToken)
    {
        var source = RestoreRequestSource.Resolve(request, policies, secrets, claims);
        var generation = request.Metadata.Generation;
        var conditions = request.Status.Conditions;
        if (source.Permanent)
        {
            Conditions.Set(conditions, ReadyCondition, ConditionStatus.False, source.Reason!, source.Message!, generation, now);
            Fail(request, now, source.Reason!, source.Message!, restored: null, pending);
            return null;
        }

        if (!source.IsResolved)
        {
            var since = request.Metadata.CreationTimestamp is { } c ? DateTime.SpecifyKind(c, DateTimeKind.Utc) : now;
            var waited = now - since;
            if (waited >= SourceWaitLimit)
            {
                Fail(request, now, source.Reason!, $"{source.Message}; gave up after waiting {SourceWaitLimit.TotalMinutes:0} minutes", restored: null, pending);
                return null;
            }
            if (Conditions.Set(conditions, ReadyCondition, ConditionStatus.False, source.Reason!, $"{source.Message}; waiting for it until {since + SourceWaitLimit:u}",
                    generation, now))
                pending.Warning(source.Reason!, source.Message!);
            return SourceWaitLimit - waited;
        }

        Conditions.Set(conditions, ReadyCondition, ConditionStatus.True, "SourceResolved",
            $"reading {Selection(request.Spec.Source)} from {source.Display}", generation, now);
        var job = restoreJobs.Restore(request, source.Location!);
        var created = await records.CreateIfMissingAsync(job, cancellationToken);
        if (!created && Owned(request, await client.GetAsync<V1Job>(request.Metadata.NamespaceProperty, jobName, cancellationToken)) is null)
        {
            // A request of the same name was deleted and recreated while its Job is still being garbage-collected.
            Conditions.Set(conditions, ReadyCondition, ConditionStatus.False, "PreviousJobExists",
                $"Job {jobName} of an earlier RestoreRequest with this name still exists; waiting for Kubernetes to remove it", generation, now);
            return TimeSpan.FromSeconds(5);
        }
        // Announced when status first records the Job, not when this call created it: if the status write below fails, the
        // next reconcile adopts the Job and announces it then, so the event is neither lost nor doubled.
        var firstRecord = request.Status.JobName is null;
        request.Status.JobName = jobName;
        request.Status.Message = $"restoring {Selection(request.Spec.Source)} from {source.Display} into {request.Spec.Target.Qdrant.Url}";
        if (firstRecord) pending.Normal(RestoreRequestReasons.RestoreStarted, $"Job {jobName} started: {request.Status.Message}");
        return null;
    }

    private async Task FollowAsync(RestoreRequest request, V1Job job, DateTime now, PendingEvents pending, List<Func<Task>> afterWrite,
        CancellationToken cancellationToken)
    {
        var status = request.Status;
        if (status.JobName is null)
        {
            // Adopted: created by an operator (or a reconcile) that stopped before recording it.
            status.JobName = job.Metadata.Name;
            pending.Normal(RestoreRequestReasons.RestoreStarted, $"Job {job.Metadata.Name} adopted: it was started before the request recorded it");
        }
        var state = JobInspector.StateOf(job);
        if (state == JobState.Active)
        {
            if (status.Phase == RestorePhase.Pending && (job.Status?.Active ?? 0) > 0)
            {
                status.Phase = RestorePhase.Running;
                status.StartedAt ??= job.Status?.StartTime ?? now;
                pending.Normal(RestoreRequestReasons.RestoreRunning, $"Job {job.Metadata.Name} is running: restore, then verification of every collection");
            }
            return;
        }

        var outcome = await inspector.InspectAsync(job, cancellationToken);
        Record(request, job, outcome, now, pending);
        afterWrite.Add(() => records.MarkRecordedAsync(job, cancellationToken));
        var rto = outcome.Container(RestoreJobs.RestoreContainer)?.GetDouble("durationSeconds");
        afterWrite.Add(() =>
        {
            RestoreMetrics.Record(request, rto);
            return Task.CompletedTask;
        });
    }

    private static void Record(RestoreRequest request, V1Job job, JobOutcome outcome, DateTime now, PendingEvents pending)
    {
        var status = request.Status;
        var result = outcome.Container(RestoreJobs.RestoreContainer);
        status.BackupId = result?.GetString("backupId") ?? status.BackupId;
        status.StartedAt = result?.GetTime("startedAt") ?? status.StartedAt ?? outcome.StartTime ?? job.Status?.StartTime;
        status.Collections = Collections(result) ?? status.Collections;
        var truncated = result?.Navigate("truncated") is JsonValue t && t.TryGetValue<bool>(out var tv) && tv && status.Collections is null
            ? " (per-collection results did not fit the 4 KiB termination message: see the Job's log)" : "";

        if (outcome.State == JobState.Succeeded && result is { Succeeded: true } && status.BackupId is not null)
        {
            status.Phase = RestorePhase.Succeeded;
            status.CompletedAt = result.GetTime("completedAt") ?? outcome.CompletionTime ?? now;
            var seconds = result.GetDouble("durationSeconds") ?? (status.CompletedAt - status.StartedAt)?.TotalSeconds;
            status.DurationSeconds = seconds is { } s ? (long)Math.Round(Math.Max(0, s), MidpointRounding.AwayFromZero) : null;
            var alias = result.GetString("aliasSwitched") is { } a ? $"; alias '{a}' now points at '{status.Collections?.FirstOrDefault()?.To}'" : "";
            status.Message = $"backup {status.BackupId} restored into {request.Spec.Target.Qdrant.Url} and verified in " +
                             $"{(seconds ?? 0).ToString("0.0", CultureInfo.InvariantCulture)} s: {Summary(status.Collections)}{alias}{truncated}";
            var generation = request.Metadata.Generation;
            Conditions.Set(status.Conditions, RestoredCondition, ConditionStatus.True, "Restored", $"backup {status.BackupId} is in the target", generation, now);
            Conditions.Set(status.Conditions, VerifiedCondition, ConditionStatus.True, "Verified",
                "exact point count, vector configuration and probe recall match the backup's manifest", generation, now);
            pending.Normal(RestoreRequestReasons.RestoreSucceeded, status.Message);
            return;
        }

        var reason = outcome.Reason == "DeadlineExceeded"
            ? $"the restore Job ran out of time (spec.jobTemplate.activeDeadlineSeconds {job.Spec?.ActiveDeadlineSeconds}) and was stopped: {outcome.Message}"
            : outcome.State == JobState.Succeeded
                ? "the Job completed but its pod reported no restore result (termination message missing or unreadable)"
                : outcome.FailureMessage;
        // Verification ran when the command reported collections: then the data is there and only the proof failed.
        bool? restored = status.Collections is { Count: > 0 } ? true : null;
        Fail(request, outcome.CompletionTime ?? now, RestoreRequestReasons.RestoreFailed, reason + truncated, restored, pending, result?.GetTime("completedAt"));
    }

    private static void Fail(RestoreRequest request, DateTime now, string reason, string message, bool? restored, PendingEvents pending, DateTime? completedAt = null)
    {
        var status = request.Status;
        var generation = request.Metadata.Generation;
        status.Phase = RestorePhase.Failed;
        status.CompletedAt = completedAt ?? now;
        status.DurationSeconds = null; // an RTO is only measured for a restore that verified
        status.Message = message;
        if (restored == true)
        {
            Conditions.Set(status.Conditions, RestoredCondition, ConditionStatus.True, "Restored", $"backup {status.BackupId} was restored", generation, now);
            Conditions.Set(status.Conditions, VerifiedCondition, ConditionStatus.False, reason, message, generation, now);
        }
        else
        {
            Conditions.Set(status.Conditions, RestoredCondition, ConditionStatus.False, reason, message, generation, now);
            Conditions.Set(status.Conditions, VerifiedCondition, ConditionStatus.False, reason, "nothing to verify: the restore did not complete", generation, now);
        }
        // One event reason for every failure (alerts match it); the conditions carry the specific reason.
        pending.Warning(RestoreRequestReasons.RestoreFailed, message);
    }

    private static List<RestoredCollection>? Collections(CommandResult? result)
    {
        if (result?.Navigate("collections") is not JsonArray items) return null;
        return items.OfType<JsonObject>().Select(c => new RestoredCollection
        {
            From = c["from"]?.GetValue<string>() ?? "",
            To = c["to"]?.GetValue<string>(),
            Points = Number(c["points"]) is { } p ? (long)p : null,
            ExpectedPoints = Number(c["expectedPoints"]) is { } e ? (long)e : null,
            Recall = Number(c["recall"]),
        }).ToList();
    }

    private static double? Number(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    private static string Summary(List<RestoredCollection>? collections) => collections is not { Count: > 0 } ? "no per-collection results"
        : string.Join(", ", collections.Select(c =>
            $"{c.From}→{c.To} {c.Points}/{c.ExpectedPoints} points, recall {c.Recall?.ToString("0.###", CultureInfo.InvariantCulture) ?? "n/a"}"));

    public static string Selection(RestoreSource source) =>
        source.BackupId is { } id ? $"backup {id}"
        : source.PointInTime is { } at ? $"the newest backup completed at or before {RestoreJobs.Rfc3339(at)}"
        : "the latest backup";

    private static V1Job? Owned(RestoreRequest request, V1Job? job) =>
        job?.Metadata.OwnerReferences?.Any(o => o.Uid == request.Metadata.Uid && o.Controller == true) == true ? job : null;

    public Task<ReconciliationResult> DeletedAsync(RestoreRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(ReconciliationResult.Success());
}
