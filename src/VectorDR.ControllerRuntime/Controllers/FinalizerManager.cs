using k8s;
using k8s.Models;
using VectorDR.ControllerRuntime.Client;

namespace VectorDR.ControllerRuntime.Controllers;

/// <summary>Adds and removes finalizer ids with an optimistic-concurrency merge patch (resourceVersion precondition).</summary>
public sealed class FinalizerManager(KubeApiClient client)
{
    public Task<TEntity> AddAsync<TEntity>(TEntity entity, IEnumerable<string> ids, CancellationToken ct)
        where TEntity : IKubernetesObject<V1ObjectMeta>
    {
        var finalizers = (entity.Metadata.Finalizers ?? []).Concat(ids).Distinct().ToList();
        return PatchAsync(entity, finalizers, ct);
    }

    public Task<TEntity> RemoveAsync<TEntity>(TEntity entity, string id, CancellationToken ct)
        where TEntity : IKubernetesObject<V1ObjectMeta>
    {
        var finalizers = (entity.Metadata.Finalizers ?? []).Where(f => f != id).ToList();
        return PatchAsync(entity, finalizers, ct);
    }

    private Task<TEntity> PatchAsync<TEntity>(TEntity entity, List<string> finalizers, CancellationToken ct)
        where TEntity : IKubernetesObject<V1ObjectMeta> =>
        // A merge patch replaces lists whole; the resourceVersion makes it fail with 409 instead of dropping
        // a finalizer someone else added meanwhile.
        client.MergePatchAsync<TEntity>(entity.Metadata.NamespaceProperty, entity.Metadata.Name,
            new { metadata = new { finalizers, resourceVersion = entity.Metadata.ResourceVersion } }, ct);
}
