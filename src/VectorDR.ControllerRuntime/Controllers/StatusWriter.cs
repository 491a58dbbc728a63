using System.Reflection;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using VectorDR.ControllerRuntime.Client;

namespace VectorDR.ControllerRuntime.Controllers;

/// <summary>Writes status through the /status subresource; the spec is never sent back.</summary>
public interface IStatusWriter
{
    /// <summary>
    /// Replaces the object's status. On a conflict (someone else wrote meanwhile) it re-reads the object,
    /// re-applies this status onto the fresh copy and retries: status is fully owned by this controller,
    /// so last-writer-wins on status is correct, while the spec in the request is always the server's.
    /// </summary>
    Task<TEntity> UpdateStatusAsync<TEntity>(TEntity entity, CancellationToken cancellationToken)
        where TEntity : class, IKubernetesObject<V1ObjectMeta>;

    /// <summary>
    /// Replaces the object's status only if the object is still the version that was read (optimistic concurrency):
    /// throws a <see cref="KubeApiException"/> with <see cref="KubeApiException.IsConflict"/> otherwise. For status
    /// that records work done exactly once (a Job's result): a reconcile that started from a stale cached copy must
    /// not overwrite what a newer one recorded, it must start again from the fresh object.
    /// </summary>
    Task<TEntity> ReplaceStatusAsync<TEntity>(TEntity entity, CancellationToken cancellationToken)
        where TEntity : class, IKubernetesObject<V1ObjectMeta>;
}

public sealed class StatusWriter(KubeApiClient client, ILogger<StatusWriter> logger) : IStatusWriter
{
    private const int MaxAttempts = 5;

    public Task<TEntity> ReplaceStatusAsync<TEntity>(TEntity entity, CancellationToken cancellationToken)
        where TEntity : class, IKubernetesObject<V1ObjectMeta> => client.ReplaceStatusAsync(entity, cancellationToken);

    public async Task<TEntity> UpdateStatusAsync<TEntity>(TEntity entity, CancellationToken cancellationToken)
        where TEntity : class, IKubernetesObject<V1ObjectMeta>
    {
        var statusProperty = typeof(TEntity).GetProperty("Status", BindingFlags.Public | BindingFlags.Instance)
            ?? throw new InvalidOperationException($"{typeof(TEntity).Name} has no status.");
        var status = statusProperty.GetValue(entity);
        var attempt = entity;
        for (var i = 1; ; i++)
        {
            try
            {
                return await client.ReplaceStatusAsync(attempt, cancellationToken).ConfigureAwait(false);
            }
            catch (KubeApiException e) when (e.IsConflict && i < MaxAttempts)
            {
                logger.LogDebug("Status update of {Kind} {Namespace}/{Name} conflicted (attempt {Attempt}); re-reading",
                    entity.Kind, entity.Metadata.NamespaceProperty, entity.Metadata.Name, i);
                var fresh = await client.GetAsync<TEntity>(entity.Metadata.NamespaceProperty, entity.Metadata.Name, cancellationToken).ConfigureAwait(false)
                    ?? throw new KubeApiException(System.Net.HttpStatusCode.NotFound, null, "GET", entity.Metadata.Name);
                statusProperty.SetValue(fresh, status);
                attempt = fresh;
            }
        }
    }
}
