using k8s;
using k8s.Models;
using VectorDR.ControllerRuntime.Entities;
using VectorDR.ControllerRuntime.Informers;

namespace VectorDR.ControllerRuntime.Hosting;

/// <summary>What a controller watches besides its own kind, and which finalizers it runs.</summary>
public sealed class ControllerRegistration<TEntity> where TEntity : class, IKubernetesObject<V1ObjectMeta>
{
    internal Type ControllerType { get; set; } = typeof(object);
    internal List<Action<InformerFactory, IResourceCache<TEntity>, Action<ObjectKey>>> WatchRegistrations { get; } = [];
    internal List<(string Id, Type FinalizerType)> Finalizers { get; } = [];
    internal HashSet<Type> CachedTypes { get; } = [typeof(TEntity)];

    /// <summary>
    /// Reconciles the owner when an owned object changes: the owner is found through the object's controller
    /// ownerReference (apiVersion + kind of <typeparamref name="TEntity"/>).
    /// </summary>
    public ControllerRegistration<TEntity> Owns<TOwned>() where TOwned : class, IKubernetesObject<V1ObjectMeta>
    {
        var owner = EntityMetadata.For<TEntity>();
        CachedTypes.Add(typeof(TOwned));
        WatchRegistrations.Add((factory, _, enqueue) => factory.Get<TOwned>().AddHandler(ev =>
        {
            foreach (var reference in ev.Object.Metadata.OwnerReferences ?? [])
            {
                if (reference.Kind == owner.Kind && reference.ApiVersion == owner.ApiVersion && reference.Controller == true)
                    enqueue(new ObjectKey(ev.Object.Metadata.NamespaceProperty, reference.Name));
            }
        }));
        return this;
    }

    /// <summary>
    /// Reconciles the objects that refer to <typeparamref name="TReferenced"/> (e.g. policies naming a Secret).
    /// The mapping reads the controller's own cache, so it costs no API request.
    /// </summary>
    public ControllerRegistration<TEntity> Watches<TReferenced>(Func<TReferenced, IResourceCache<TEntity>, IEnumerable<ObjectKey>> map)
        where TReferenced : class, IKubernetesObject<V1ObjectMeta>
    {
        CachedTypes.Add(typeof(TReferenced));
        WatchRegistrations.Add((factory, cache, enqueue) => factory.Get<TReferenced>().AddHandler(ev =>
        {
            foreach (var key in map(ev.Object, cache)) enqueue(key);
        }));
        return this;
    }
}
