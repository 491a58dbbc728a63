using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace VectorDR.ControllerRuntime.Entities;

/// <summary>Base class of a custom resource: apiVersion, kind and metadata, filled from the entity attribute.</summary>
public abstract class CustomKubernetesEntity : IKubernetesObject<V1ObjectMeta>
{
    protected CustomKubernetesEntity()
    {
        var info = EntityMetadata.For(GetType());
        ApiVersion = info.ApiVersion;
        Kind = info.Kind;
    }

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    public string Kind { get; set; }

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();
}

/// <summary>A custom resource with a spec.</summary>
public abstract class CustomKubernetesEntity<TSpec> : CustomKubernetesEntity, ISpec<TSpec>
    where TSpec : new()
{
    [JsonPropertyName("spec")]
    public TSpec Spec { get; set; } = new();
}

/// <summary>A custom resource with a spec and a status (served through the /status subresource).</summary>
public abstract class CustomKubernetesEntity<TSpec, TStatus> : CustomKubernetesEntity<TSpec>, IStatus<TStatus>
    where TSpec : new()
    where TStatus : new()
{
    [JsonPropertyName("status")]
    public TStatus Status { get; set; } = new();
}
