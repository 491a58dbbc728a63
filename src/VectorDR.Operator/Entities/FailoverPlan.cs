using System.Text.Json.Serialization;
using k8s.Models;
using VectorDR.ControllerRuntime.Entities;

namespace VectorDR.Operator.Entities;

[KubernetesEntity(Group = Api.Group, ApiVersion = Api.Version, Kind = "FailoverPlan", PluralName = "failoverplans")]
[KubernetesEntityShortNames("fp")]
[KubernetesEntityCategories(Api.Category)]
[Description("FailoverPlan pairs a primary Qdrant with a standby fed from a backup replica, and declares how traffic switches between them: by editing spec.activeSide, automatically on health checks, and in scheduled drills.")]
[PrinterColumn("Active", ".status.activeSide", Order = 1)]
[PrinterColumn("Phase", ".status.phase", Order = 2)]
[PrinterColumn("Standby Lag", ".status.standbyLagSeconds", "integer", Order = 3, Description = "Seconds between the newest backup and the one the standby holds.")]
[AgeColumn]
public sealed class FailoverPlan : CustomKubernetesEntity<FailoverPlanSpec, FailoverPlanStatus>;

[Description("Desired state of a FailoverPlan.")]
[ValidationRule("self.primary.name != self.standby.name", "primary and standby need different names")]
public sealed class FailoverPlanSpec
{
    [Required]
    [Description("The cluster serving traffic normally.")]
    public FailoverSide Primary { get; set; } = new();

    [Required]
    [Description("The standby cluster, restored from a replica of the policy's backups.")]
    public StandbySide Standby { get; set; } = new();

    [Required]
    [Description("The BackupPolicy that backs up the primary.")]
    public LocalObjectReference BackupPolicyRef { get; set; } = new();

    [Default("OnFailover")]
    [Description("Continuous restores each new backup onto the standby as it lands (warm standby, low RTO); OnFailover restores only at failover time.")]
    public StandbySync StandbySync { get; set; } = StandbySync.OnFailover;

    [Default("primary")]
    [Description("The side that should serve traffic. Flip to standby (in git) to fail over, back to primary to fail back.")]
    public ActiveSide ActiveSide { get; set; } = ActiveSide.Primary;

    [Description("Health-check driven failover; off unless enabled.")]
    public AutomaticFailover? Automatic { get; set; }

    [Description("What is repointed when the active side changes.")]
    public TrafficSwitch? TrafficSwitch { get; set; }

    [Description("How the old primary is kept from taking writes after a failover.")]
    public Fencing? Fencing { get; set; }

    [Description("Scheduled DR drills into scratch collections on the standby.")]
    public DrillSettings? Drill { get; set; }
}

[Description("One side of a failover pair.")]
public class FailoverSide
{
    [Required, Pattern(Api.DnsLabelPattern), Length(1, 63)]
    [Description("Name of this side (e.g. eu-west-1), used in events and status.")]
    public string Name { get; set; } = "";

    [Required]
    [Description("How to reach this side's Qdrant.")]
    public QdrantEndpoint Qdrant { get; set; } = new();
}

[Description("The standby side and the backup replica it restores from.")]
public sealed class StandbySide : FailoverSide
{
    [Pattern(Api.DnsLabelPattern)]
    [Description("Replica of the BackupPolicy (spec.replicas[].name) the standby restores from; the primary storage when omitted.")]
    public string? Replica { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<StandbySync>))]
public enum StandbySync { Continuous, OnFailover }

[JsonConverter(typeof(JsonStringEnumConverter<ActiveSide>))]
public enum ActiveSide
{
    [JsonStringEnumMemberName("primary")] Primary,
    [JsonStringEnumMemberName("standby")] Standby,
}

[Description("Health-check driven failover.")]
public sealed class AutomaticFailover
{
    [Default(false)]
    [Description("Fail over automatically when the primary fails failureThreshold health checks in a row.")]
    public bool Enabled { get; set; }

    [RangeMinimum(1), RangeMaximum(100), Default(3)]
    [Description("Consecutive failed health checks before failing over.")]
    public int FailureThreshold { get; set; } = 3;

    [RangeMinimum(1), RangeMaximum(3600), Default(10)]
    [Description("Seconds between health checks of the primary.")]
    public int PeriodSeconds { get; set; } = 10;
}

[Description("What the operator repoints when the active side changes: a Service and/or Qdrant aliases.")]
public sealed class TrafficSwitch
{
    [Description("A Service in this namespace that clients use; repointed to the active side.")]
    public ServiceSwitch? Service { get; set; }

    [Items(maxItems: 100)]
    [Description("Qdrant aliases (re)created on the active side.")]
    public List<AliasSwitch>? Aliases { get; set; }
}

[Description("A Service repointed to the active side.")]
public sealed class ServiceSwitch
{
    [Required, Pattern(Api.DnsLabelPattern)]
    [Description("Name of the Service.")]
    public string Name { get; set; } = "";

    [Default("ExternalName")]
    [Description("ExternalName sets spec.externalName to the active side's host; Selector sets spec.selector to the active side's selector.")]
    public ServiceSwitchMode Mode { get; set; } = ServiceSwitchMode.ExternalName;

    [Description("Pod selector of the primary's Qdrant (Selector mode).")]
    public Dictionary<string, string>? PrimarySelector { get; set; }

    [Description("Pod selector of the standby's Qdrant (Selector mode).")]
    public Dictionary<string, string>? StandbySelector { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<ServiceSwitchMode>))]
public enum ServiceSwitchMode { ExternalName, Selector }

[Description("A Qdrant alias kept on the active side.")]
public sealed class AliasSwitch
{
    [Required]
    [Description("Alias name clients query.")]
    public string Alias { get; set; } = "";

    [Required]
    [Description("Collection the alias points to.")]
    public string Collection { get; set; } = "";
}

[Description("How the old primary is fenced off after a failover.")]
public sealed class Fencing
{
    [Default("None")]
    [Description("None, ScaleToZero (scale the primary's StatefulSet to 0) or ReadOnlyApiKey (swap the primary's API key for a read-only one).")]
    public FencingMode Mode { get; set; } = FencingMode.None;

    [Description("StatefulSet of the primary's Qdrant (ScaleToZero), in this namespace.")]
    public LocalObjectReference? StatefulSetRef { get; set; }

    [Description("Secret key holding a read-only API key to install on the primary (ReadOnlyApiKey).")]
    public SecretKeyReference? ReadOnlyApiKeySecretRef { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<FencingMode>))]
public enum FencingMode { None, ScaleToZero, ReadOnlyApiKey }

[Description("Scheduled DR drills.")]
public sealed class DrillSettings
{
    [Required, Pattern(Api.CronPattern)]
    [Description("When to drill: a 5-field cron expression or a macro such as @weekly.")]
    public string Schedule { get; set; } = "";

    [Default("UTC")]
    [Description("IANA time zone of the schedule.")]
    public string TimeZone { get; set; } = "UTC";

    [Default(true)]
    [Description("Verify the drill restore (point counts, probe recall) and fail the drill if it does not verify.")]
    public bool Verify { get; set; } = true;
}

[JsonConverter(typeof(JsonStringEnumConverter<FailoverPhase>))]
public enum FailoverPhase { Pending, Ready, Degraded, FailingOver, FailedOver, Failed }

[Description("Observed state of a FailoverPlan, written by the operator.")]
public sealed class FailoverPlanStatus
{
    [RangeMinimum(0)]
    [Description("The .metadata.generation this status was computed from.")]
    public long? ObservedGeneration { get; set; }

    [Description("The side actually serving traffic now.")]
    public ActiveSide? ActiveSide { get; set; }

    [Description("Pending, Ready, Degraded, FailingOver, FailedOver or Failed.")]
    public FailoverPhase? Phase { get; set; }

    [ListMap("type")]
    [Description("PrimaryHealthy, StandbyReady, RPOMet.")]
    public List<Condition> Conditions { get; set; } = [];

    [Description("Backup id the standby holds.")]
    public string? StandbyBackupId { get; set; }

    [RangeMinimum(0)]
    [Description("Seconds between the newest backup and the one the standby holds.")]
    public long? StandbyLagSeconds { get; set; }

    [Description("The last failover.")]
    public FailoverRecord? LastFailover { get; set; }

    [Description("The last DR drill.")]
    public DrillRecord? LastDrill { get; set; }
}

[Description("Evidence of a failover.")]
public sealed class FailoverRecord
{
    [Description("When the failover happened.")]
    public DateTime? At { get; set; }

    [Description("Why: Manual (spec.activeSide changed) or PrimaryUnhealthy.")]
    public string? Reason { get; set; }

    [RangeMinimum(0)]
    [Description("Seconds from the decision to traffic on the standby.")]
    public long? RtoSeconds { get; set; }

    [RangeMinimum(0)]
    [Description("Seconds of writes possibly lost: from the standby's backup to the failover.")]
    public long? DataLossWindowSeconds { get; set; }
}

[Description("Evidence of a DR drill.")]
public sealed class DrillRecord
{
    [Description("When the drill ran.")]
    public DateTime? At { get; set; }

    [RangeMinimum(0)]
    [Description("Measured restore time in seconds.")]
    public long? RtoSeconds { get; set; }

    [Description("Whether the drill restore verified.")]
    public bool? Passed { get; set; }

    [Description("Detail of the outcome.")]
    public string? Message { get; set; }
}
