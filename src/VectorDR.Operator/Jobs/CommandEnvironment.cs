using k8s.Models;
using VectorDR.Operator.Entities;
using VectorDR.Operator.Validation;

namespace VectorDR.Operator.Jobs;

/// <summary>
/// How `vectordr` in a Job gets what it must not see in its arguments: the Qdrant API key (QDRANT_API_KEY), S3
/// credentials (AWS_*, optionally under a prefix for a second location) and CA bundles (Secret volumes); and the
/// volumes its file:// locations live on.
/// </summary>
public static class CommandEnvironment
{
    public const string CaMountPath = "/etc/vectordr/qdrant-ca";

    /// <summary>Object-store CA bundles are mounted at STORAGE_CA_ROOT/SECRET/ca.crt: one volume per Secret, however many locations share it.</summary>
    public const string StorageCaRoot = "/etc/vectordr/storage-ca";

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

    /// <summary>
    /// S3 credentials of a location from its Secret and the path of its mounted CA bundle (AWS_CA_BUNDLE, see
    /// <see cref="Volumes"/>); with a prefix, for the second location of a copy.
    /// </summary>
    public static IEnumerable<V1EnvVar> Storage(StorageLocation location, string prefix = "")
    {
        if (location.CredentialsSecretRef is { } secret)
        {
            yield return FromSecret(prefix + "AWS_ACCESS_KEY_ID", secret.Name, "AWS_ACCESS_KEY_ID", optional: false);
            yield return FromSecret(prefix + "AWS_SECRET_ACCESS_KEY", secret.Name, "AWS_SECRET_ACCESS_KEY", optional: false);
            yield return FromSecret(prefix + "AWS_SESSION_TOKEN", secret.Name, "AWS_SESSION_TOKEN", optional: true);
        }
        if (location.Tls?.CaSecretRef is { } ca) yield return new V1EnvVar { Name = prefix + "AWS_CA_BUNDLE", Value = StorageCaPath(ca.Name) };
    }

    /// <summary>
    /// The volumes a Job needs: Qdrant's CA bundle (when <paramref name="qdrant"/> names one), the object stores' CA
    /// bundles of <paramref name="locations"/> (one Secret volume per distinct Secret) and the PersistentVolumeClaims of
    /// their file:// locations, each mounted at its location's path.
    /// </summary>
    public static (IReadOnlyList<V1Volume> Volumes, IReadOnlyList<V1VolumeMount> Mounts) Volumes(QdrantEndpoint? qdrant, IReadOnlyCollection<StorageLocation> locations)
    {
        var volumes = new List<V1Volume>();
        var mounts = new List<V1VolumeMount>();
        void AddCa(string volume, string secret, string mountPath)
        {
            volumes.Add(new V1Volume { Name = volume, Secret = new V1SecretVolumeSource { SecretName = secret, Items = [new V1KeyToPath { Key = "ca.crt", Path = "ca.crt" }] } });
            mounts.Add(new V1VolumeMount { Name = volume, MountPath = mountPath, ReadOnlyProperty = true });
        }

        if (qdrant?.Tls?.CaSecretRef is { } qdrantCa) AddCa("qdrant-ca", qdrantCa.Name, CaMountPath);
        var storageCas = locations.Select(l => l.Tls?.CaSecretRef?.Name).OfType<string>().Distinct(StringComparer.Ordinal);
        // Volume names are DNS labels (63 characters) while Secret and claim names may be longer: number them instead.
        foreach (var (secret, i) in storageCas.Select((secret, i) => (secret, i))) AddCa($"storage-ca-{i}", secret, $"{StorageCaRoot}/{secret}");

        var claims = locations
            .Select(l => (Claim: l.PersistentVolumeClaim?.ClaimName, Folder: StorageLocationParser.TryParse(l.Location, out var parsed, out _) ? parsed!.Folder : null))
            .Where(c => c is { Claim: not null, Folder: { Length: > 0 } })
            .DistinctBy(c => c.Claim, StringComparer.Ordinal);
        foreach (var ((claim, folder), i) in claims.Select((c, i) => (c, i)))
        {
            volumes.Add(new V1Volume { Name = $"storage-{i}", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = claim } });
            mounts.Add(new V1VolumeMount { Name = $"storage-{i}", MountPath = folder });
        }
        return (volumes, mounts);
    }

    private static string StorageCaPath(string secret) => $"{StorageCaRoot}/{secret}/ca.crt";

    private static V1EnvVar FromSecret(string variable, string secret, string key, bool optional) => new()
    {
        Name = variable,
        ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secret, Key = key, Optional = optional ? true : null } },
    };
}
