using k8s.Models;
using VectorDR.ControllerRuntime.Entities;
using VectorDR.ControllerRuntime.Informers;
using VectorDR.Operator.Entities;
using VectorDR.Operator.Validation;

namespace VectorDR.Operator.Controllers;

/// <summary>
/// What a RestoreRequest reads from, or why that cannot be known yet; <see cref="Permanent"/> when waiting cannot help
/// (the request's own spec is wrong, and a RestoreRequest's spec is immutable).
/// </summary>
public sealed record ResolvedSource(StorageLocation? Location, string? Reason, string? Message, bool Permanent = false)
{
    public bool IsResolved => Location is not null;

    /// <summary>The location without its query (endpoint, region…): for messages and events.</summary>
    public string Display => Location?.Location.Split('?')[0] ?? "";
}

/// <summary>
/// Resolves spec.source to one storage location (the policy's storage, one of its replicas, or the explicit location)
/// and checks that every Secret the Job would mount exists with its keys, and its claim: a pod referring to a missing
/// Secret or claim does not fail in Kubernetes, it waits forever (CreateContainerConfigError, Pending), so the operator
/// checks first and says so.
/// </summary>
public static class RestoreRequestSource
{
    public static ResolvedSource Resolve(RestoreRequest request, IResourceCache<BackupPolicy> policies, IResourceCache<V1Secret> secrets,
        IResourceCache<V1PersistentVolumeClaim> claims)
    {
        var ns = request.Metadata.NamespaceProperty;
        var source = request.Spec.Source;
        StorageLocation location;
        if (source.BackupPolicyRef is { } reference)
        {
            var policy = policies.Get(ns, reference.Name);
            if (policy is null)
                return Unresolved("BackupPolicyNotFound", $"BackupPolicy {ns}/{reference.Name} does not exist (after losing the cluster, name the bucket in spec.source.location instead)");
            var (field, declared) = ("spec.storage", policy.Spec.Storage);
            if (reference.Replica is { } replicaName)
            {
                var index = policy.Spec.Replicas?.FindIndex(r => r.Name == replicaName) ?? -1;
                if (index < 0)
                {
                    var names = policy.Spec.Replicas is { Count: > 0 } rs ? "its replicas are " + string.Join(", ", rs.Select(r => r.Name)) : "it has no replicas";
                    return Unresolved("ReplicaNotFound", $"BackupPolicy {ns}/{reference.Name} has no replica '{replicaName}'; {names}");
                }
                (field, declared) = ($"spec.replicas[{index}]", policy.Spec.Replicas![index]);
            }

            // The policy's status already says so (Ready=False), and its spec can still be fixed: a wait, not a failure.
            if (StorageLocationRules.Check(field, declared) is { } invalid)
                return Unresolved(invalid.Reason, $"BackupPolicy {ns}/{reference.Name}: {invalid.Message}");
            location = declared is ReplicaLocation replica ? policy.Spec.AccessTo(replica) : declared;
        }
        else
        {
            location = new StorageLocation { Location = source.Location!, CredentialsSecretRef = source.CredentialsSecretRef, Tls = source.Tls,
                PersistentVolumeClaim = source.PersistentVolumeClaim };
            if (StorageLocationRules.Check("spec.source", location) is { } invalid)
                return new ResolvedSource(null, invalid.Reason, invalid.Message, Permanent: true);
        }

        var qdrant = request.Spec.Target.Qdrant;
        var missing = MissingSecret(ns, secrets, location.CredentialsSecretRef?.Name, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
            ?? MissingSecret(ns, secrets, location.Tls?.CaSecretRef?.Name, "ca.crt")
            ?? MissingSecret(ns, secrets, qdrant.ApiKeySecretRef?.Name, qdrant.ApiKeySecretRef?.Key)
            ?? MissingSecret(ns, secrets, qdrant.Tls?.CaSecretRef?.Name, "ca.crt");
        if (missing is not null) return Unresolved("SecretNotFound", missing);
        if (location.PersistentVolumeClaim?.ClaimName is { } claim && claims.Get(ns, claim) is null)
            return Unresolved("PersistentVolumeClaimNotFound", $"PersistentVolumeClaim {ns}/{claim} does not exist");
        return new ResolvedSource(location, null, null);
    }

    /// <summary>The requests that name <paramref name="secret"/>, directly or possibly through a policy (to re-check them when it appears).</summary>
    public static IEnumerable<ObjectKey> RequestsReferencing(V1Secret secret, IResourceCache<RestoreRequest> requests) =>
        requests.List(secret.Metadata.NamespaceProperty)
            .Where(r => r.Status.Phase is not (RestorePhase.Succeeded or RestorePhase.Failed))
            .Where(r => r.Spec.Source.BackupPolicyRef is not null
                        || r.Spec.Source.CredentialsSecretRef?.Name == secret.Metadata.Name
                        || r.Spec.Source.Tls?.CaSecretRef?.Name == secret.Metadata.Name
                        || r.Spec.Target.Qdrant.ApiKeySecretRef?.Name == secret.Metadata.Name
                        || r.Spec.Target.Qdrant.Tls?.CaSecretRef?.Name == secret.Metadata.Name)
            .Select(ObjectKey.Of);

    /// <summary>The unfinished requests of a claim's namespace that may read from it (directly, or through a policy).</summary>
    public static IEnumerable<ObjectKey> RequestsOnClaim(V1PersistentVolumeClaim claim, IResourceCache<RestoreRequest> requests) =>
        requests.List(claim.Metadata.NamespaceProperty)
            .Where(r => r.Status.Phase is not (RestorePhase.Succeeded or RestorePhase.Failed))
            .Where(r => r.Spec.Source.BackupPolicyRef is not null || r.Spec.Source.PersistentVolumeClaim?.ClaimName == claim.Metadata.Name)
            .Select(ObjectKey.Of);

    /// <summary>The unfinished requests reading from <paramref name="policy"/>'s locations.</summary>
    public static IEnumerable<ObjectKey> RequestsReading(BackupPolicy policy, IResourceCache<RestoreRequest> requests) =>
        requests.List(policy.Metadata.NamespaceProperty)
            .Where(r => r.Status.Phase is not (RestorePhase.Succeeded or RestorePhase.Failed) && r.Spec.Source.BackupPolicyRef?.Name == policy.Metadata.Name)
            .Select(ObjectKey.Of);

    private static string? MissingSecret(string ns, IResourceCache<V1Secret> secrets, string? name, params string?[] keys)
    {
        if (name is null) return null;
        var secret = secrets.Get(ns, name);
        if (secret is null) return $"Secret {ns}/{name} does not exist";
        var absent = keys.Where(k => k is not null && secret.Data?.ContainsKey(k) != true && secret.StringData?.ContainsKey(k) != true).ToList();
        return absent.Count == 0 ? null : $"Secret {ns}/{name} has no key {string.Join(", ", absent)}";
    }

    private static ResolvedSource Unresolved(string reason, string message) => new(null, reason, message);
}
