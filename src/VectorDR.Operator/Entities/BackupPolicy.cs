using k8s.Models;
using VectorDR.ControllerRuntime.Entities;

namespace VectorDR.Operator.Entities;

[KubernetesEntity(Group = Api.Group, ApiVersion = Api.Version, Kind = "BackupPolicy", PluralName = "backuppolicies")]
[KubernetesEntityShortNames("bp", "bkp")]
[KubernetesEntityCategories(Api.Category)]
[Description("BackupPolicy declares what to back up from a Qdrant cluster, when, where to, how long to keep it, and the recovery point objective.")]
[PrinterColumn("Schedule", ".spec.schedule", Order = 1)]
[PrinterColumn("Last Backup", ".status.lastSuccessfulBackup.id", Order = 2)]
[PrinterColumn("Last Backup Age", ".status.lastSuccessfulBackup.completedAt", "date", Order = 3)]
[PrinterColumn("RPO Met", ".status.conditions[?(@.type==\"RPOMet\")].status", Order = 4)]
[PrinterColumn("Ready", ".status.conditions[?(@.type==\"Ready\")].status", Order = 5)]
[PrinterColumn("Next Backup", ".status.nextScheduleTime", Order = 6, Priority = 1, Description = "When the next scheduled backup is due (UTC).")]
[AgeColumn]
public sealed class BackupPolicy : CustomKubernetesEntity<BackupPolicySpec, BackupPolicyStatus>;

[Description("Desired state of a BackupPolicy.")]
public sealed class BackupPolicySpec
{
    [Required]
    [Description("The Qdrant cluster and collections to back up.")]
    public BackupSource Source { get; set; } = new();

    [Required, Pattern(Api.CronPattern)]
    [Description("When to back up: a 5-field cron expression (minute hour day-of-month month day-of-week) or a macro " +
                 "(@hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually), interpreted in timeZone.")]
    public string Schedule { get; set; } = "";

    [Default("UTC"), Length(1, 64)]
    [Description("IANA time zone of the schedule, e.g. Europe/Paris.")]
    public string TimeZone { get; set; } = "UTC";

    [Default(false)]
    [Description("Pause scheduling of new backups; running backups finish, retention still applies.")]
    public bool Suspend { get; set; }

    [RangeMinimum(0)]
    [Description("A run missed by more than this many seconds (e.g. operator down) is skipped instead of started late.")]
    public long? StartingDeadlineSeconds { get; set; }

    [Required]
    [Description("Primary location of the backups.")]
    public StorageLocation Storage { get; set; } = new();

    [ListMap("name"), Items(maxItems: 8)]
    [Description("Standby-region locations: every backup is copied to each and re-verified there (checksums recomputed from the copy). " +
                 "A replica without credentialsSecretRef is reached with spec.storage's credentials (one account, two buckets).")]
    public List<ReplicaLocation>? Replicas { get; set; }

    /// <summary>The primary location, then the replicas.</summary>
    public IEnumerable<StorageLocation> Locations() => (Replicas ?? []).Prepend<StorageLocation>(Storage);

    /// <summary>How a replica is reached: its own location and CA, and its own credentials or else the primary's.</summary>
    public StorageLocation AccessTo(ReplicaLocation replica) => new()
    {
        Location = replica.Location,
        CredentialsSecretRef = replica.CredentialsSecretRef ?? Storage.CredentialsSecretRef,
        Tls = replica.Tls,
        PersistentVolumeClaim = replica.PersistentVolumeClaim,
    };

    [DefaultEmptyObject]
    [Description("How many backups to keep (grandfather-father-son); the newest verified backup is never pruned.")]
    public RetentionPolicy Retention { get; set; } = new();

    [DefaultEmptyObject]
    [Description("Probe queries captured at backup time and replayed after every restore.")]
    public VerificationSettings Verification { get; set; } = new();

    [Pattern(Api.DurationPattern)]
    [Description("Recovery point objective, e.g. 1h or 30m: the newest successful backup must never be older. Drives the RPOMet condition, a metric and an alert.")]
    public string? Rpo { get; set; }

    [Description("Settings of the backup Jobs.")]
    public JobTemplate? JobTemplate { get; set; }
}

[Description("The Qdrant cluster and collections to back up.")]
public sealed class BackupSource
{
    [Required]
    [Description("How to reach Qdrant.")]
    public QdrantEndpoint Qdrant { get; set; } = new();

    [Items(maxItems: 1000)]
    [Description("Collections to back up; empty or omitted backs up every collection.")]
    public List<string>? Collections { get; set; }
}

[Description("Grandfather-father-son retention. A backup is kept if any rule keeps it.")]
[ValidationRule("self.keepLast + self.keepHourly + self.keepDaily + self.keepWeekly + self.keepMonthly > 0",
    "at least one keep rule must be above 0: with every rule at 0, retention would delete every backup but the newest")]
public sealed class RetentionPolicy
{
    [RangeMinimum(0), Default(7)]
    [Description("Keep the newest N backups.")]
    public int KeepLast { get; set; } = 7;

    [RangeMinimum(0), Default(0)]
    [Description("Keep the newest backup of each of the last N hours.")]
    public int KeepHourly { get; set; }

    [RangeMinimum(0), Default(0)]
    [Description("Keep the newest backup of each of the last N days.")]
    public int KeepDaily { get; set; }

    [RangeMinimum(0), Default(0)]
    [Description("Keep the newest backup of each of the last N ISO weeks.")]
    public int KeepWeekly { get; set; }

    [RangeMinimum(0), Default(0)]
    [Description("Keep the newest backup of each of the last N months.")]
    public int KeepMonthly { get; set; }
}

[Description("Verification probes: sampled at backup time, replayed after restore.")]
public sealed class VerificationSettings
{
    [RangeMinimum(0), RangeMaximum(1000), Default(10)]
    [Description("Points sampled per collection whose exact top-k neighbours are recorded in the manifest; 0 disables probe checks.")]
    public int Probes { get; set; } = 10;

    [RangeMinimum(1), RangeMaximum(100), Default(10)]
    [Description("Neighbours recorded per probe (k of recall@k).")]
    public int TopK { get; set; } = 10;
}

[Description("Observed state of a BackupPolicy, written by the operator.")]
public sealed class BackupPolicyStatus
{
    [RangeMinimum(0)]
    [Description("The .metadata.generation this status was computed from.")]
    public long? ObservedGeneration { get; set; }

    [ListMap("type")]
    [Description("Ready (spec valid and references resolved), LastBackupSucceeded, ReplicasInSync, RPOMet, Held (runs held while a restore writes into the source).")]
    public List<Condition> Conditions { get; set; } = [];

    [Description("The scheduled time of the last run the schedule produced (started, or skipped and reported).")]
    public DateTime? LastScheduleTime { get; set; }

    [Description("When the next backup is due (absent while suspended or invalid).")]
    public DateTime? NextScheduleTime { get; set; }

    [Description("The newest backup that completed and verified.")]
    public BackupReference? LastSuccessfulBackup { get; set; }

    [Items(maxItems: 20)]
    [Description("The most recent runs, newest first (bounded): started, succeeded, failed or skipped, with the failure message.")]
    public List<BackupRun>? RecentBackups { get; set; }

    [Description("Name of the Job running now for this policy (a backup, or the copy and prune Job after it), if any.")]
    public string? ActiveJob { get; set; }

    [Description("The last value of the dr.vectordr.io/backup-now annotation that started a run: a new value starts one more.")]
    public string? LastBackupNowValue { get; set; }

    [Description("The last retention run on the primary location.")]
    public PruneSummary? LastPrune { get; set; }

    [ListMap("name")]
    [Description("Per standby-region replica: the newest backup copied and verified there, and the last copy and prune outcome.")]
    public List<ReplicaStatus>? Replicas { get; set; }
}

[Description("One run of a BackupPolicy.")]
public sealed class BackupRun
{
    [Required, Length(1, 63)]
    [Description("Name of the backup Job of this run (for a skipped run: the Job it would have had).")]
    public string Job { get; set; } = "";

    [Description("Backup id, once the run committed a backup.")]
    public string? Id { get; set; }

    [Required]
    [Description("What started the run: Schedule or BackupNow (the dr.vectordr.io/backup-now annotation).")]
    public BackupTrigger Trigger { get; set; }

    [Description("The scheduled time of a scheduled run.")]
    public DateTime? ScheduledTime { get; set; }

    [Description("When the run started.")]
    public DateTime? StartedAt { get; set; }

    [Description("When the run ended.")]
    public DateTime? CompletedAt { get; set; }

    [RangeMinimum(0)]
    [Description("Total size of the backup in bytes.")]
    public long? SizeBytes { get; set; }

    [RangeMinimum(0)]
    [Description("Points backed up, over all collections.")]
    public long? Points { get; set; }

    [Required]
    [Description("Outcome of the backup: Running, Succeeded, Failed or Skipped (missed its starting deadline, or the previous run was still going).")]
    public BackupRunResult Result { get; set; }

    [Description("Failure reason, skip reason or other detail.")]
    public string? Message { get; set; }

    [Description("State of the copy-and-prune Job that follows a successful backup: Running, Succeeded or Failed.")]
    public BackupRunResult? Sync { get; set; }
}

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<BackupRunResult>))]
public enum BackupRunResult { Running, Succeeded, Failed, Skipped }

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<BackupTrigger>))]
public enum BackupTrigger { Schedule, BackupNow }

[Description("Outcome of a retention run on one location.")]
public sealed class PruneSummary
{
    [Description("When the prune ran.")]
    public DateTime? Time { get; set; }

    [RangeMinimum(0)]
    [Description("Backups kept by a retention rule (or by Object Lock).")]
    public int? Kept { get; set; }

    [RangeMinimum(0)]
    [Description("Backups deleted.")]
    public int? Deleted { get; set; }

    [Description("Failure message when the prune failed.")]
    public string? Message { get; set; }
}

[Description("State of one standby-region replica.")]
public sealed class ReplicaStatus
{
    [Required]
    [Description("Name of the replica (spec.replicas[].name).")]
    public string Name { get; set; } = "";

    [Description("The newest backup copied to this replica and verified there (checksums recomputed from the copy).")]
    public BackupReference? LastCopiedBackup { get; set; }

    [Description("When the last copy attempt ended.")]
    public DateTime? LastCopyTime { get; set; }

    [Description("Outcome of the last copy attempt: Succeeded or Failed.")]
    public BackupRunResult? LastCopyResult { get; set; }

    [Description("Failure message of the last copy attempt.")]
    public string? Message { get; set; }

    [Description("The last retention run on this replica.")]
    public PruneSummary? LastPrune { get; set; }
}
