using k8s;
using k8s.Models;
using VectorDR.ControllerRuntime.Client;
using VectorDR.ControllerRuntime.Controllers;
using VectorDR.ControllerRuntime.Events;
using VectorDR.Operator.Entities;
using VectorDR.Operator.Jobs;

namespace VectorDR.Operator.Controllers;

/// <summary>
/// A RestoreRequest deleted while its Job runs stops the restore before it disappears: the Job is deleted with
/// foreground propagation, so its pod gets SIGTERM and the Job (and this request) only go once the pod is gone.
/// On SIGTERM `vectordr restore` removes the target collections it created itself and exits: only the restore
/// process knows which collections it created (it checked before writing), and it already holds the Qdrant key, so
/// the operator needs neither the key nor a route to Qdrant. Collections that existed before (onExisting: Replace)
/// are never removed. A finished request's Job is left to garbage collection.
/// </summary>
public sealed class RestoreRequestFinalizer(KubeApiClient client, IEventPublisher events, TimeProvider time, ILogger<RestoreRequestFinalizer> logger)
    : IEntityFinalizer<RestoreRequest>
{
    public const string Id = Api.Finalizer;

    // Kubernetes' default grace period is 30 s; the restore's own cleanup is bounded to 15 s inside it.
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(45);

    public async Task FinalizeAsync(RestoreRequest request, CancellationToken cancellationToken)
    {
        if (request.Status.Phase is RestorePhase.Succeeded or RestorePhase.Failed) return;
        var (ns, name) = (request.Metadata.NamespaceProperty, JobNames.Restore(request.Metadata.Name));
        var job = await client.GetAsync<V1Job>(ns, name, cancellationToken);
        if (job?.Metadata.OwnerReferences?.Any(o => o.Uid == request.Metadata.Uid) != true) return;
        if (JobInspector.StateOf(job) != JobState.Active) return;

        if (job.Metadata.DeletionTimestamp is null)
        {
            await client.Kubernetes.BatchV1.DeleteNamespacedJobAsync(name, ns, new V1DeleteOptions { PropagationPolicy = "Foreground" },
                cancellationToken: cancellationToken);
            var message = $"deleted while Job {name} was running: the Job was stopped; the restore removes the collections it created before it exits, " +
                          "and switches no alias";
            logger.LogWarning("RestoreRequest {Namespace}/{Name}: {Message}", ns, request.Metadata.Name, message);
            await events.PublishAsync(request, RestoreRequestReasons.RestoreCancelled, message, EventType.Warning, cancellationToken);
        }

        // Foreground deletion keeps the Job until its pod is gone, i.e. until the restore process has ended.
        var deadline = time.GetUtcNow() + WaitLimit;
        while (await client.GetAsync<V1Job>(ns, name, cancellationToken) is { } still && still.Metadata.Uid == job.Metadata.Uid)
        {
            if (time.GetUtcNow() > deadline)
                throw new TimeoutException($"Job {ns}/{name} is still terminating; retrying"); // the runtime retries with backoff
            await Task.Delay(TimeSpan.FromMilliseconds(250), time, cancellationToken);
        }
    }
}
