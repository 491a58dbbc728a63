using System.Text.Json.Nodes;
using VectorDR.KubeEmulator.Schema;

namespace VectorDR.KubeEmulator.Api;

/// <summary>Identifies stored objects independently of the version they are served in.</summary>
internal readonly record struct GroupResource(string Group, string Resource)
{
    public override string ToString() => Group.Length == 0 ? Resource : $"{Resource}.{Group}";
}

/// <summary>How a DELETE without an explicit propagationPolicy treats dependents.</summary>
internal enum Propagation
{
    Background,
    Foreground,
    Orphan,
}

/// <summary>One servable resource in one group version: what discovery lists and what the handlers need to know.</summary>
internal sealed class ResourceType
{
    public required string Group { get; init; }
    public required string Version { get; init; }
    public required string Resource { get; init; }
    public required string Kind { get; init; }
    public required string Singular { get; init; }
    public required bool Namespaced { get; init; }
    public IReadOnlyList<string> ShortNames { get; init; } = [];
    public IReadOnlyList<string> Categories { get; init; } = [];
    public bool HasStatusSubresource { get; init; }

    /// <summary>Whether metadata.generation is maintained (set to 1 on create, bumped on non-metadata, non-status changes).</summary>
    public bool TracksGeneration { get; init; }

    /// <summary>Custom resources (from a CRD) are validated, pruned and defaulted against the CRD's structural schema.</summary>
    public CustomResourceInfo? Custom { get; init; }

    /// <summary>batch/v1 Jobs still default to orphaning their pods, as the real server does for backwards compatibility.</summary>
    public Propagation DefaultPropagation { get; init; } = Propagation.Background;

    /// <summary>Custom resources and pods answer DELETE with the object; most built-ins answer with a Success Status.</summary>
    public bool DeleteReturnsObject { get; init; }

    public bool IsCustom => Custom is not null;
    public GroupResource GroupResource => new(Group, Resource);
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";
    public string GroupVersionPath => Group.Length == 0 ? $"api/{Version}" : $"apis/{Group}/{Version}";
    public string ListKind => Kind + "List";

    /// <summary>Kind qualified by group, as used in 422 messages ("BackupPolicy.dr.vectordr.io", "Secret").</summary>
    public string QualifiedKind => Group.Length == 0 ? Kind : $"{Kind}.{Group}";
}

/// <summary>What a CRD version contributes to a served custom resource.</summary>
internal sealed class CustomResourceInfo
{
    public required StructuralSchema? Schema { get; init; }
    public required JsonObject? RawSchema { get; init; }
    public required JsonArray PrinterColumns { get; init; }
    public required string CrdName { get; init; }
    public required bool Served { get; init; }
    public required bool Storage { get; init; }
    public JsonObject? Scale { get; init; }
}
