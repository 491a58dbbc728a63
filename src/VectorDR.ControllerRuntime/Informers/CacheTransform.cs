using k8s;
using k8s.Models;

namespace VectorDR.ControllerRuntime.Informers;

/// <summary>
/// Trims objects of one kind before the informer caches them (client-go's SetTransform): a controller that watches
/// thousands of Jobs for their status should not hold every pod template in memory. The cache, and the events
/// handlers receive, then carry only what the transform keeps.
/// </summary>
public interface ICacheTransform
{
    Type Kind { get; }

    object Apply(object obj);
}

public sealed class CacheTransform<T>(Func<T, T> transform) : ICacheTransform where T : IKubernetesObject<V1ObjectMeta>
{
    public Type Kind => typeof(T);

    public object Apply(object obj) => transform((T)obj)!;
}
