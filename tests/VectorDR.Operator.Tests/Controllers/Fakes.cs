using k8s;
using k8s.Models;
using VectorDR.ControllerRuntime.Controllers;
using VectorDR.ControllerRuntime.Entities;
using VectorDR.ControllerRuntime.Events;
using VectorDR.ControllerRuntime.Informers;

namespace VectorDR.Operator.Tests.Controllers;

internal sealed class FakeCache<T> : IResourceCache<T> where T : IKubernetesObject<V1ObjectMeta>
{
    public Dictionary<ObjectKey, T> Items { get; } = [];
    public bool HasSynced => true;
    public T? Get(string? @namespace, string name) => Items.GetValueOrDefault(new ObjectKey(@namespace, name));
    public IReadOnlyList<T> List(string? @namespace = null) => Items.Values.Where(i => @namespace is null || i.Metadata.NamespaceProperty == @namespace).ToList();
    public void Add(T item) => Items[ObjectKey.Of(item)] = item;
}

internal sealed class RecordingStatusWriter : IStatusWriter
{
    public List<string> Writes { get; } = [];

    public Task<TEntity> UpdateStatusAsync<TEntity>(TEntity entity, CancellationToken cancellationToken) where TEntity : class, IKubernetesObject<V1ObjectMeta>
    {
        Writes.Add(KubernetesJson.Serialize(entity));
        return Task.FromResult(entity);
    }

    public Task<TEntity> ReplaceStatusAsync<TEntity>(TEntity entity, CancellationToken cancellationToken) where TEntity : class, IKubernetesObject<V1ObjectMeta> =>
        UpdateStatusAsync(entity, cancellationToken);
}

internal sealed class RecordingEvents : IEventPublisher
{
    public List<(string Reason, string Message, EventType Type)> Events { get; } = [];

    public Task PublishAsync(IKubernetesObject<V1ObjectMeta> involvedObject, string reason, string message, EventType type, CancellationToken cancellationToken)
    {
        Events.Add((reason, message, type));
        return Task.CompletedTask;
    }
}
