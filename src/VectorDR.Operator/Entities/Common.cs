using System.Text.Json.Serialization;
using k8s.Models;
using VectorDR.ControllerRuntime.Entities;

namespace VectorDR.Operator.Entities;

/// <summary>Shared constants of the dr.vectordr.io API.</summary>
public static class Api
{
    public const string Group = "dr.vectordr.io";
    public const string Version = "v1alpha1";
    public const string Category = "vectordr";
    public const string Finalizer = "dr.vectordr.io/finalizer";

    /// <summary>A duration such as 1h30m, 15m, 2d.</summary>
    public const string DurationPattern = "^([0-9]+(s|m|h|d))+$";

    /// <summary>A storage location URL: s3://bucket/prefix?... or file:///path.</summary>
    public const string LocationPattern = "^(s3|file)://";

    /// <summary>Five cron fields or a macro; the controller parses it fully (Cronos) and reports what is wrong.</summary>
    public const string CronPattern = "^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|(\\S+\\s+){4}\\S+)$";

    /// <summary>An RFC 1123 DNS label (names of replicas, sides).</summary>
    public const string DnsLabelPattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
}

[Description("A reference to a Secret in the same namespace.")]
public sealed class SecretReference
{
    [Required, Length(1, 253)]
    [Description("Name of the Secret, in the namespace of this resource.")]
    public string Name { get; set; } = "";
}

[Description("A reference to one key of a Secret in the same namespace.")]
public sealed class SecretKeyReference
{
    [Required, Length(1, 253)]
    [Description("Name of the Secret, in the namespace of this resource.")]
    public string Name { get; set; } = "";

    [Required, Length(1, 253)]
    [Description("Key within the Secret's data.")]
    public string Key { get; set; } = "";
}

[Description("TLS settings for reaching Qdrant over https.")]
public sealed class QdrantTls
{
    [Description("Secret holding the CA bundle (key ca.crt) that signed Qdrant's certificate; the system trust store is used when omitted.")]
    public SecretReference? CaSecretRef { get; set; }

    [Default(false)]
    [Description("Skip verification of Qdrant's certificate. For tests only: it allows a man in the middle.")]
    public bool InsecureSkipVerify { get; set; }
}

[Description("How to reach a Qdrant cluster over its REST API.")]
public sealed class QdrantEndpoint
{
    [Required, Pattern("^https?://[^\\s/]+(/.*)?$")]
    [Description("Base URL of Qdrant's REST API, e.g. http://qdrant.qdrant.svc:6333.")]
    public string Url { get; set; } = "";

    [Description("Secret key holding Qdrant's API key (sent as the api-key header). Omit for an unauthenticated Qdrant.")]
    public SecretKeyReference? ApiKeySecretRef { get; set; }

    [Description("TLS settings when url is https.")]
    public QdrantTls? Tls { get; set; }
}

[Description("A storage location (object store bucket or filesystem path) and the credentials to reach it.")]
public class StorageLocation
{
    [Required, Pattern(Api.LocationPattern), Length(maxLength: 2048)]
    [Description("Location URL. S3: s3://BUCKET/PREFIX?endpoint=http://HOST:PORT&region=REGION&pathStyle=true&checksum=when-required " +
                 "(query keys optional: endpoint for S3-compatible servers, region, pathStyle for path-style addressing, " +
                 "checksum=when-required|when-supported for servers without flexible checksums). Filesystem: file:///PATH on a mounted volume.")]
    public string Location { get; set; } = "";

    [Description("Secret with the keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and optionally AWS_SESSION_TOKEN) for an s3:// location. " +
                 "Omit to use the IAM role of the Job's service account through web identity (EKS IRSA: spec.jobTemplate.serviceAccountName " +
                 "names an annotated ServiceAccount); a replica without one uses the primary's.")]
    public SecretReference? CredentialsSecretRef { get; set; }

    [Description("TLS settings when the s3:// location's endpoint is https with a certificate from a private CA.")]
    public StorageTls? Tls { get; set; }

    [Description("For a file:// location: the PersistentVolumeClaim the Jobs mount at the location's path (their root filesystem is " +
                 "read-only, so in a cluster a file:// location needs one). The claim's root is the location: every location needs a claim of its own.")]
    public PersistentVolumeClaimReference? PersistentVolumeClaim { get; set; }
}

[Description("A PersistentVolumeClaim in the same namespace.")]
public sealed class PersistentVolumeClaimReference
{
    [Required, Length(1, 253)]
    [Description("Name of the PersistentVolumeClaim, in the namespace of this resource.")]
    public string ClaimName { get; set; } = "";
}

[Description("TLS settings for an object store reached over https.")]
public sealed class StorageTls
{
    [Description("Secret holding the CA bundle (key ca.crt, PEM) that signed the object store's certificate, e.g. an on-premises " +
                 "RGW or MinIO. Trusted in addition to the system store (host names are still checked); the Jobs get it as AWS_CA_BUNDLE. " +
                 "Restores from such a location stream through the Job: Qdrant would not trust the CA to download by itself.")]
    public SecretReference? CaSecretRef { get; set; }
}

[Description("A named copy target in another region or account: every backup is copied there and re-verified there.")]
public sealed class ReplicaLocation : StorageLocation
{
    // 50, not 63: the Job's container names are copy-NAME and prune-NAME, and container names are DNS labels.
    [Required, Pattern(Api.DnsLabelPattern), Length(1, 50)]
    [Description("Name of the replica, referred to by RestoreRequest.spec.source.backupPolicyRef.replica and FailoverPlan.spec.standby.replica.")]
    public string Name { get; set; } = "";
}

[Description("A reference to a BackupPolicy in the same namespace.")]
public sealed class LocalObjectReference
{
    [Required, Length(1, 253)]
    [Description("Name of the object, in the namespace of this resource.")]
    public string Name { get; set; } = "";
}

[Description("A toleration for the pods of the Jobs (same fields as a Pod's tolerations).")]
public sealed class Toleration
{
    [Description("Taint key the toleration applies to; empty with operator Exists matches all taints.")]
    public string? Key { get; set; }

    [Description("Relation of key to value: Exists or Equal (default).")]
    public TolerationOperator? Operator { get; set; }

    [Description("Taint value the toleration matches (with operator Equal).")]
    public string? Value { get; set; }

    [Description("Taint effect to match: NoSchedule, PreferNoSchedule or NoExecute; empty matches all.")]
    public TaintEffect? Effect { get; set; }

    [RangeMinimum(0)]
    [Description("With effect NoExecute: how long the pod stays bound after the taint appears.")]
    public long? TolerationSeconds { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<TolerationOperator>))]
public enum TolerationOperator { Exists, Equal }

[JsonConverter(typeof(JsonStringEnumConverter<TaintEffect>))]
public enum TaintEffect { NoSchedule, PreferNoSchedule, NoExecute }

[Description("Compute resources of the Job's container.")]
public sealed class ResourceRequirements
{
    [Description("Maximum resources, e.g. cpu: 2, memory: 2Gi.")]
    public Dictionary<string, IntOrString>? Limits { get; set; }

    [Description("Guaranteed resources used for scheduling, e.g. cpu: 500m, memory: 512Mi.")]
    public Dictionary<string, IntOrString>? Requests { get; set; }
}

[Description("Settings of the Kubernetes Jobs the operator spawns for the data work.")]
public sealed class JobTemplate
{
    [Description("Compute resources of the Job's container.")]
    public ResourceRequirements? Resources { get; set; }

    [Description("Node labels the Job's pod must match.")]
    public Dictionary<string, string>? NodeSelector { get; set; }

    [Description("Tolerations of the Job's pod.")]
    public List<Toleration>? Tolerations { get; set; }

    [Length(maxLength: 253)]
    [Description("ServiceAccount the Job runs as (e.g. one bound to a cloud IAM role for object-store access).")]
    public string? ServiceAccountName { get; set; }

    [RangeMinimum(0), RangeMaximum(20), Default(2)]
    [Description("Retries of a failed Job pod before the run is reported failed.")]
    public int BackoffLimit { get; set; } = 2;

    [RangeMinimum(1)]
    [Description("Upper bound in seconds on a Job's run time; the Job is stopped and reported failed after it.")]
    public long? ActiveDeadlineSeconds { get; set; }
}

[Description("A backup recorded in status.")]
public sealed class BackupReference
{
    [Required]
    [Description("Backup id (the folder name under <prefix>/backups/).")]
    public string Id { get; set; } = "";

    [Description("When the backup's manifest was committed.")]
    public DateTime? CompletedAt { get; set; }

    [RangeMinimum(0)]
    [Description("Total size of the backup's parts in bytes.")]
    public long? SizeBytes { get; set; }

    [RangeMinimum(0)]
    [Description("Points in the backup, over all collections.")]
    public long? Points { get; set; }
}
