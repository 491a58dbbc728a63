using k8s;
using k8s.Models;
using VectorDR.ControllerRuntime.Controllers;
using VectorDR.ControllerRuntime.Entities;
using VectorDR.ControllerRuntime.Events;
using VectorDR.ControllerRuntime.Informers;
using VectorDR.ControllerRuntime.Rbac;
using VectorDR.Operator.Entities;
using VectorDR.Operator.Validation;

namespace VectorDR.Operator.Controllers;

/// <summary>
/// Validates a BackupPolicy and reports it in status: the Ready condition, nextScheduleTime and
/// observedGeneration. It never writes spec, and emits an event only when Ready actually changes (so a restart,
/// which re-reconciles everything, repeats nothing). Scheduling backup Jobs comes later; the policy is requeued at
/// its next schedule time so that work has a place to hook in.
/// </summary>
[EntityRbac(typeof(BackupPolicy), Verbs = RbacVerb.Read | RbacVerb.Update | RbacVerb.Patch)]
[EntityRbac(typeof(V1Secret), Verbs = RbacVerb.Read)]
[EntityRbac(typeof(V1Job), Verbs = RbacVerb.All)]
public sealed class BackupPolicyController(
    IResourceCache<V1Secret> secrets,
    IStatusWriter statusWriter,
    IEventPublisher events,
    TimeProvider time,
    ILogger<BackupPolicyController> logger) : IEntityController<BackupPolicy>
{
    public const string ReadyCondition = "Ready";

    // The longest the controller sleeps on a policy: keeps nextScheduleTime honest across DST and clock changes
    // without polling busily.
    private static readonly TimeSpan MaxRequeue = TimeSpan.FromHours(1);

    public async Task<ReconciliationResult> ReconcileAsync(BackupPolicy policy, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var ns = policy.Metadata.NamespaceProperty;
        var result = BackupPolicyValidator.Validate(policy.Spec, name => secrets.Get(ns, name));

        var status = policy.Status;
        var before = KubernetesJson.Serialize(status);
        var previousReady = Conditions.Find(status.Conditions, ReadyCondition);
        var previousStatus = previousReady?.Status;
        var generation = policy.Metadata.Generation;

        DateTimeOffset? next = null;
        bool readyChanged;
        if (result.Error is { } error)
        {
            readyChanged = Conditions.Set(status.Conditions, ReadyCondition, ConditionStatus.False, error.Reason, error.Message, generation, now.UtcDateTime);
        }
        else
        {
            next = policy.Spec.Suspend ? null : result.Cron!.GetNextOccurrence(now, result.TimeZone!);
            // The message must not mention the next run: it would change every period and every tick would look like a transition.
            var message = policy.Spec.Suspend
                ? "spec is valid; scheduling is suspended"
                : "spec is valid and every referenced Secret exists";
            readyChanged = Conditions.Set(status.Conditions, ReadyCondition, ConditionStatus.True, Reasons.Validated, message, generation, now.UtcDateTime);
        }

        status.NextScheduleTime = next?.UtcDateTime is { } n ? new DateTime(n.Ticks - n.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc) : null;
        status.ObservedGeneration = generation;

        if (KubernetesJson.Serialize(status) != before)
            await statusWriter.UpdateStatusAsync(policy, cancellationToken);

        if (readyChanged)
        {
            var ready = Conditions.Find(status.Conditions, ReadyCondition)!;
            logger.LogInformation("BackupPolicy {Namespace}/{Name} Ready {From} -> {To} ({Reason}): {Message}",
                ns, policy.Metadata.Name, previousStatus?.ToString() ?? "none", ready.Status, ready.Reason, ready.Message);
            await events.PublishAsync(policy, ready.Reason, ready.Message,
                ready.Status == ConditionStatus.True ? EventType.Normal : EventType.Warning, cancellationToken);
        }

        if (next is null) return ReconciliationResult.Success();
        var wait = next.Value - now;
        return ReconciliationResult.Success(wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait > MaxRequeue ? MaxRequeue : wait);
    }

    /// <summary>The policies of a Secret's namespace that name it (so a Secret created late turns them Ready).</summary>
    public static IEnumerable<ObjectKey> PoliciesReferencing(V1Secret secret, IResourceCache<BackupPolicy> policies) =>
        policies.List(secret.Metadata.NamespaceProperty)
            .Where(p => ReferencedSecrets(p.Spec).Contains(secret.Metadata.Name))
            .Select(ObjectKey.Of);

    public static IEnumerable<string> ReferencedSecrets(BackupPolicySpec spec)
    {
        if (spec.Source.Qdrant.ApiKeySecretRef?.Name is { } apiKey) yield return apiKey;
        if (spec.Source.Qdrant.Tls?.CaSecretRef?.Name is { } ca) yield return ca;
        if (spec.Storage.CredentialsSecretRef?.Name is { } storage) yield return storage;
        foreach (var replica in spec.Replicas ?? [])
            if (replica.CredentialsSecretRef?.Name is { } r) yield return r;
    }
}
