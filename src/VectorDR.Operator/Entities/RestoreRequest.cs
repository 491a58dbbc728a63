using System.Text.Json.Serialization;
using k8s.Models;
using VectorDR.ControllerRuntime.Entities;

namespace VectorDR.Operator.Entities;

[KubernetesEntity(Group = Api.Group, ApiVersion = Api.Version, Kind = "RestoreRequest", PluralName = "restorerequests")]
[KubernetesEntityShortNames("rr", "restore")]
[KubernetesEntityCategories(Api.Category)]
[Description("RestoreRequest restores a backup into a Qdrant cluster once, verifies it, and records the measured RTO.")]
[PrinterColumn("Phase", ".status.phase", Order = 1)]
[PrinterColumn("Backup", ".status.backupId", Order = 2)]
[PrinterColumn("RTO", ".status.durationSeconds", "integer", Order = 3, Description = "Measured restore time in seconds.")]
[AgeColumn]
public sealed class RestoreRequest : CustomKubernetesEntity<RestoreRequestSpec, RestoreRequestStatus>;

[Description("Desired state of a RestoreRequest. A restore is one-shot: the spec cannot change after creation.")]
[ValidationRule("self == oldSelf", "spec is immutable: create a new RestoreRequest instead")]
public sealed class RestoreRequestSpec
{
    [Required]
    [Description("Which backup to restore and where it is stored.")]
    public RestoreSource Source { get; set; } = new();

    [Required]
    [Description("Where to restore to.")]
    public RestoreTarget Target { get; set; } = new();

    [Description("Settings of the restore Job. backoffLimit does not apply: a restore is not retried (a second attempt would meet what the first left behind), it runs once and reports.")]
    public JobTemplate? JobTemplate { get; set; }
}

[Description("The backup to restore: from a BackupPolicy's locations or from an explicit location (after total cluster loss), and exactly one of backupId, latest or pointInTime.")]
[ValidationRule("has(self.backupPolicyRef) != has(self.location)", "exactly one of backupPolicyRef or location must be set")]
[ValidationRule("(has(self.backupId) ? 1 : 0) + (has(self.latest) && self.latest ? 1 : 0) + (has(self.pointInTime) ? 1 : 0) == 1",
    "exactly one of backupId, latest: true or pointInTime must be set")]
[ValidationRule("!has(self.credentialsSecretRef) || has(self.location)", "credentialsSecretRef goes with location")]
[ValidationRule("!has(self.tls) || has(self.location)", "tls goes with location")]
[ValidationRule("!has(self.persistentVolumeClaim) || has(self.location)", "persistentVolumeClaim goes with location")]
public sealed class RestoreSource
{
    [Description("Restore from the storage of this BackupPolicy (or from one of its replicas).")]
    public BackupPolicySourceReference? BackupPolicyRef { get; set; }

    [Pattern(Api.LocationPattern), Length(maxLength: 2048)]
    [Description("Explicit location URL (same syntax as BackupPolicy.spec.storage.location), for when no policy exists any more.")]
    public string? Location { get; set; }

    [Description("Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for an explicit s3:// location. " +
                 "Omit to use the IAM role of the Job's service account through web identity (spec.jobTemplate.serviceAccountName).")]
    public SecretReference? CredentialsSecretRef { get; set; }

    [Description("TLS settings of an explicit s3:// location whose https endpoint has a certificate from a private CA.")]
    public StorageTls? Tls { get; set; }

    [Description("The PersistentVolumeClaim holding an explicit file:// location, mounted at its path in the restore Job.")]
    public PersistentVolumeClaimReference? PersistentVolumeClaim { get; set; }

    [Length(1, 128)]
    [Description("Restore exactly this backup id.")]
    public string? BackupId { get; set; }

    [Description("Restore the newest committed backup.")]
    public bool? Latest { get; set; }

    [Description("Restore the newest backup completed at or before this time (RFC 3339).")]
    public DateTime? PointInTime { get; set; }
}

[Description("A BackupPolicy whose locations hold the backup.")]
public sealed class BackupPolicySourceReference
{
    [Required, Length(1, 253)]
    [Description("Name of the BackupPolicy, in this namespace.")]
    public string Name { get; set; } = "";

    [Pattern(Api.DnsLabelPattern)]
    [Description("Read from this replica (spec.replicas[].name of the policy) instead of the primary storage, e.g. after losing the primary region.")]
    public string? Replica { get; set; }
}

[Description("Where and how to restore.")]
public sealed class RestoreTarget
{
    [Required]
    [Description("The Qdrant cluster to restore into.")]
    public QdrantEndpoint Qdrant { get; set; } = new();

    [ListMap("from"), Items(maxItems: 1000)]
    [Description("Collections to restore, optionally renamed; omitted restores every collection of the backup under its own name.")]
    public List<CollectionMapping>? Collections { get; set; }

    [Pattern("^[A-Za-z0-9_-]+$")]
    [Description("Alias to point at the restored collection once it verified (needs exactly one collection). Never switched to an unverified restore.")]
    public string? SwitchAlias { get; set; }

    [Default("Fail")]
    [Description("What to do when a target collection exists: Fail (default) or Replace it.")]
    public OnExistingPolicy OnExisting { get; set; } = OnExistingPolicy.Fail;
}

[Description("One collection to restore.")]
public sealed class CollectionMapping
{
    [Required, Length(1, 255)]
    [Description("Collection name in the backup.")]
    public string From { get; set; } = "";

    [Length(1, 255)]
    [Description("Collection name to restore to; defaults to from.")]
    public string? To { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<OnExistingPolicy>))]
public enum OnExistingPolicy { Fail, Replace }

[JsonConverter(typeof(JsonStringEnumConverter<RestorePhase>))]
public enum RestorePhase { Pending, Running, Verifying, Succeeded, Failed }

[Description("Observed state of a RestoreRequest, written by the operator.")]
public sealed class RestoreRequestStatus
{
    [RangeMinimum(0)]
    [Description("The .metadata.generation this status was computed from.")]
    public long? ObservedGeneration { get; set; }

    [Description("Pending (accepted, Job not running yet), Running (the Job restores and then verifies: both happen in one process, so " +
                 "verification is reported by the Verified condition when it ends; Verifying is reserved for a restore that verifies in a " +
                 "separate step), Succeeded (restored and verified) or Failed. Only moves forward; Succeeded and Failed are final.")]
    public RestorePhase? Phase { get; set; }

    [ListMap("type")]
    [Description("Conditions: Ready (source resolved, Secrets present), Restored (the backup's data is in the target), Verified (count, vector configuration and probe recall match the manifest).")]
    public List<Condition> Conditions { get; set; } = [];

    [Description("The backup id being restored (resolved from latest or pointInTime).")]
    public string? BackupId { get; set; }

    [Description("When the restore started: the restore command's own start, else the Job's.")]
    public DateTime? StartedAt { get; set; }

    [Description("When the restore ended (verified, or failed).")]
    public DateTime? CompletedAt { get; set; }

    [RangeMinimum(0)]
    [Description("Measured RTO of a succeeded restore: seconds from startedAt to the restore verified (and the alias switched), as the restore command measured it.")]
    public long? DurationSeconds { get; set; }

    [Description("Name of the restore Job.")]
    public string? JobName { get; set; }

    [Description("Per-collection verification results.")]
    public List<RestoredCollection>? Collections { get; set; }

    [Description("Human-readable summary of the outcome.")]
    public string? Message { get; set; }
}

[Description("Verification result of one restored collection.")]
public sealed class RestoredCollection
{
    [Required]
    [Description("Collection name in the backup.")]
    public string From { get; set; } = "";

    [Description("Collection name restored to.")]
    public string? To { get; set; }

    [RangeMinimum(0)]
    [Description("Points counted in the restored collection.")]
    public long? Points { get; set; }

    [RangeMinimum(0)]
    [Description("Points recorded in the backup manifest.")]
    public long? ExpectedPoints { get; set; }

    [RangeMinimum(0), RangeMaximum(1)]
    [Description("Mean recall@k of the manifest's probe queries against the restored collection (1.0 = identical answers).")]
    public double? Recall { get; set; }
}
