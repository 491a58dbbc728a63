namespace VectorDR.ControllerRuntime.Rbac;

[Flags]
public enum RbacVerb
{
    None = 0,
    Get = 1,
    List = 2,
    Watch = 4,
    Create = 8,
    Update = 16,
    Patch = 32,
    Delete = 64,
    Read = Get | List | Watch,
    All = Get | List | Watch | Create | Update | Patch | Delete,
}

/// <summary>The controller needs these verbs on these kinds (KubeOps' <c>[EntityRbac]</c>). The ClusterRole is generated from them.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class EntityRbacAttribute(params Type[] entities) : Attribute
{
    public IReadOnlyList<Type> Entities { get; } = entities;
    public RbacVerb Verbs { get; init; } = RbacVerb.Read;
}

/// <summary>Free-form RBAC rule for resources without a C# type (e.g. subresources).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class GenericRbacAttribute : Attribute
{
    public string[] Groups { get; init; } = [];
    public string[] Resources { get; init; } = [];
    public RbacVerb Verbs { get; init; } = RbacVerb.Read;
}
