using System.Text.Json.Nodes;

namespace VectorDR.KubeEmulator.Jobs;

/// <summary>
/// The seam where a Job runner plugs in (e.g. one that runs a Job's pod as a local process and reports status back).
/// Called outside the API server's lock, one notification at a time, in commit order; use <see cref="IEmulatorCluster"/>
/// to read and update objects (for example <c>UpdateStatus</c> on the Job).
/// </summary>
public interface IJobRunner
{
    Task OnJobCreatedAsync(JsonObject job, IEmulatorCluster cluster, CancellationToken cancellationToken);

    Task OnJobDeletedAsync(JsonObject job, IEmulatorCluster cluster, CancellationToken cancellationToken);
}

/// <summary>In-process access to the emulated cluster with the same semantics as the HTTP API (validation, resourceVersion, watch events).</summary>
public interface IEmulatorCluster
{
    /// <summary>The object, or null when absent. <paramref name="apiVersion"/> like "v1" or "batch/v1"; <paramref name="resource"/> the plural.</summary>
    JsonObject? Get(string apiVersion, string resource, string? ns, string name);

    IReadOnlyList<JsonObject> List(string apiVersion, string resource, string? ns, string? labelSelector = null);

    JsonObject Create(string apiVersion, string resource, string? ns, JsonObject obj);

    /// <summary>Replaces the object (optimistic concurrency applies when obj carries metadata.resourceVersion).</summary>
    JsonObject Update(string apiVersion, string resource, string? ns, JsonObject obj);

    /// <summary>Writes only the status through the /status subresource.</summary>
    JsonObject UpdateStatus(string apiVersion, string resource, string? ns, JsonObject obj);

    /// <summary>JSON merge patch of the object (or of its status when <paramref name="status"/> is true).</summary>
    JsonObject MergePatch(string apiVersion, string resource, string? ns, string name, JsonObject patch, bool status = false);

    void Delete(string apiVersion, string resource, string? ns, string name);

    /// <summary>
    /// Deletes with an explicit propagation policy ("Background", "Foreground" or "Orphan"), as controllers do (the TTL
    /// controller deletes Jobs in the foreground; a Job's own default is Orphan). Implementations that do not support it
    /// fall back to <see cref="Delete(string, string, string?, string)"/>.
    /// </summary>
    void Delete(string apiVersion, string resource, string? ns, string name, string propagationPolicy) => Delete(apiVersion, resource, ns, name);
}

/// <summary>
/// Optionally implemented by an <see cref="IJobRunner"/> that runs pods: told when a Pod is deleted (the kubelet stops
/// its containers), in the same commit-ordered notification stream as the Job events.
/// </summary>
public interface IPodLifecycleObserver
{
    Task OnPodDeletedAsync(JsonObject pod, IEmulatorCluster cluster, CancellationToken cancellationToken);
}
