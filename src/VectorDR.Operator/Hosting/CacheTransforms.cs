using k8s.Models;

namespace VectorDR.Operator.Hosting;

/// <summary>
/// What the informer caches keep of objects the controllers only partly read (client-go's SetTransform): memory for
/// every object of a kind in the cluster is paid for as long as the operator runs.
/// </summary>
public static class CacheTransforms
{
    /// <summary>
    /// The controllers read a Job's metadata and status only: its pod template (args, env) need not sit in memory for
    /// every Job the cluster keeps until its TTL.
    /// </summary>
    public static V1Job WithoutPodTemplate(V1Job job)
    {
        if (job.Spec is { } spec) spec.Template = null!;
        return job;
    }

    /// <summary>
    /// The controllers check that a referenced Secret has the keys they need; the values reach Jobs through
    /// <c>secretKeyRef</c>s, never through the operator. Keeping the key names only means no credential is ever held in
    /// the operator's memory, and a cluster's large Secrets (Helm releases, certificates) cost it next to nothing.
    /// </summary>
    public static V1Secret KeysOnly(V1Secret secret)
    {
        secret.Data = secret.Data?.ToDictionary(kv => kv.Key, _ => Array.Empty<byte>());
        secret.StringData = secret.StringData?.ToDictionary(kv => kv.Key, _ => string.Empty);
        return secret;
    }

    /// <summary>The controllers only check that a PersistentVolumeClaim exists: its spec and status need not be kept.</summary>
    public static V1PersistentVolumeClaim MetadataOnly(V1PersistentVolumeClaim claim)
    {
        claim.Spec = null!;
        claim.Status = null!;
        return claim;
    }
}
