using k8s.Models;
using VectorDR.Operator.Entities;

namespace VectorDR.Operator.Jobs;

/// <summary>
/// How `vectordr` in a Job gets what it must not see in its arguments: the Qdrant API key (QDRANT_API_KEY), S3
/// credentials (AWS_*, optionally under a prefix for a second location) and a CA bundle (a Secret volume).
/// </summary>
public static class CommandEnvironment
{
    public const string CaMountPath = "/etc/vectordr/qdrant-ca";

    public static IEnumerable<V1EnvVar> Qdrant(QdrantEndpoint endpoint)
    {
        if (endpoint.ApiKeySecretRef is { } key) yield return FromSecret("QDRANT_API_KEY", key.Name, key.Key, optional: false);
    }

    /// <summary>The Qdrant connection arguments (URL, CA file, TLS switch); nothing secret.</summary>
    public static IEnumerable<string> QdrantArgs(QdrantEndpoint endpoint)
    {
        yield return "--qdrant";
        yield return endpoint.Url;
        if (endpoint.Tls?.CaSecretRef is not null)
        {
            yield return "--ca-cert";
            yield return $"{CaMountPath}/ca.crt";
        }
        if (endpoint.Tls?.InsecureSkipVerify == true) yield return "--insecure-skip-tls-verify";
    }

    /// <summary>The Secret volume holding Qdrant's CA bundle, when one is named.</summary>
    public static (IReadOnlyList<V1Volume> Volumes, IReadOnlyList<V1VolumeMount> Mounts) QdrantCa(QdrantEndpoint endpoint) =>
        endpoint.Tls?.CaSecretRef is { } ca
            ? ([new V1Volume { Name = "qdrant-ca", Secret = new V1SecretVolumeSource { SecretName = ca.Name, Items = [new V1KeyToPath { Key = "ca.crt", Path = "ca.crt" }] } }],
               [new V1VolumeMount { Name = "qdrant-ca", MountPath = CaMountPath, ReadOnlyProperty = true }])
            : ([], []);

    /// <summary>S3 credentials of a location from its Secret; with a prefix, for the second location of a copy.</summary>
    public static IEnumerable<V1EnvVar> Storage(StorageLocation location, string prefix = "")
    {
        if (location.CredentialsSecretRef is not { } secret) yield break;
        yield return FromSecret(prefix + "AWS_ACCESS_KEY_ID", secret.Name, "AWS_ACCESS_KEY_ID", optional: false);
        yield return FromSecret(prefix + "AWS_SECRET_ACCESS_KEY", secret.Name, "AWS_SECRET_ACCESS_KEY", optional: false);
        yield return FromSecret(prefix + "AWS_SESSION_TOKEN", secret.Name, "AWS_SESSION_TOKEN", optional: true);
    }

    private static V1EnvVar FromSecret(string variable, string secret, string key, bool optional) => new()
    {
        Name = variable,
        ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secret, Key = key, Optional = optional ? true : null } },
    };
}
