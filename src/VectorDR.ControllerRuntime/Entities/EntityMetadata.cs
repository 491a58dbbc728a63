using System.Collections.Concurrent;
using System.Reflection;
using k8s;
using k8s.Models;

namespace VectorDR.ControllerRuntime.Entities;

/// <summary>Where a kind lives in the API: group, version, plural, scope. Read once from the entity's attributes.</summary>
public sealed record EntityMetadata(string Group, string Version, string Kind, string Plural, bool Namespaced)
{
    private static readonly ConcurrentDictionary<Type, EntityMetadata> Cache = new();

    public string ApiVersion => string.IsNullOrEmpty(Group) ? Version : $"{Group}/{Version}";

    /// <summary>The path of the collection, e.g. <c>/apis/batch/v1/namespaces/ns/jobs</c> or <c>/api/v1/secrets</c> when namespace is null.</summary>
    public string CollectionPath(string? @namespace)
    {
        var root = string.IsNullOrEmpty(Group) ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
        return Namespaced && @namespace is not null
            ? $"{root}/namespaces/{Uri.EscapeDataString(@namespace)}/{Plural}"
            : $"{root}/{Plural}";
    }

    public string ObjectPath(string? @namespace, string name) => $"{CollectionPath(@namespace)}/{Uri.EscapeDataString(name)}";

    public static EntityMetadata For<T>() => For(typeof(T));

    public static EntityMetadata For(Type type) => Cache.GetOrAdd(type, static t =>
    {
        var attr = t.GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new InvalidOperationException($"{t.Name} has no [KubernetesEntity] attribute.");
        var scope = t.GetCustomAttribute<EntityScopeAttribute>()?.Scope
            ?? (ClusterScopedBuiltIns.Contains(attr.Kind) ? EntityScope.Cluster : EntityScope.Namespaced);
        var plural = string.IsNullOrEmpty(attr.PluralName) ? attr.Kind.ToLowerInvariant() + "s" : attr.PluralName;
        return new EntityMetadata(attr.Group ?? "", attr.ApiVersion, attr.Kind, plural, scope == EntityScope.Namespaced);
    });

    // Built-in kinds carry no scope attribute; these are the cluster-scoped ones a controller is likely to touch.
    private static readonly HashSet<string> ClusterScopedBuiltIns =
    [
        "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
        "StorageClass", "PriorityClass", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
    ];
}

/// <summary>Namespace and name of an object: the work-queue key.</summary>
public readonly record struct ObjectKey(string? Namespace, string Name)
{
    public static ObjectKey Of(IKubernetesObject<V1ObjectMeta> obj) => new(obj.Metadata.NamespaceProperty, obj.Metadata.Name);
    public override string ToString() => Namespace is null ? Name : $"{Namespace}/{Name}";
}

public interface ISpec<TSpec>
{
    TSpec Spec { get; set; }
}

public interface IStatus<TStatus>
{
    TStatus Status { get; set; }
}
