using Prometheus;
using VectorDR.Operator.Entities;

namespace VectorDR.Operator.Metrics;

/// <summary>
/// The BackupPolicy series on /metrics, labelled by namespace and policy (and replica), never by anything secret.
/// Gauges are recomputed from status on every reconcile, so a restarted operator reports the same values at once;
/// the run counter counts results as they are recorded (once per run).
/// </summary>
public static class BackupMetrics
{
    private static readonly string[] PolicyLabels = ["namespace", "policy"];

    public static readonly Gauge LastSuccessTimestamp = Prometheus.Metrics.CreateGauge("vectordr_backup_last_success_timestamp_seconds",
        "Unix time the newest successful backup of the policy completed.", PolicyLabels);

    public static readonly Gauge LastDuration = Prometheus.Metrics.CreateGauge("vectordr_backup_last_duration_seconds",
        "Duration of the policy's last finished backup run.", PolicyLabels);

    public static readonly Gauge LastSize = Prometheus.Metrics.CreateGauge("vectordr_backup_last_size_bytes",
        "Size of the policy's newest successful backup.", PolicyLabels);

    public static readonly Counter Runs = Prometheus.Metrics.CreateCounter("vectordr_backup_runs_total",
        "Backup runs by outcome (succeeded, failed, skipped).", ["namespace", "policy", "outcome"]);

    public static readonly Gauge RpoMet = Prometheus.Metrics.CreateGauge("vectordr_backup_rpo_met",
        "1 when the newest successful backup is younger than spec.rpo, else 0 (absent without spec.rpo).", PolicyLabels);

    public static readonly Gauge ReplicaLag = Prometheus.Metrics.CreateGauge("vectordr_backup_replica_lag_seconds",
        "How long the newest successful backup has been missing at the replica (0 when the replica holds it).", ["namespace", "policy", "replica"]);

    public static void CountRun(BackupPolicy policy, BackupRunResult outcome) =>
        Runs.WithLabels(policy.Metadata.NamespaceProperty, policy.Metadata.Name, outcome.ToString().ToLowerInvariant()).Inc();

    public static void Observe(BackupPolicy policy, bool? rpoMet, DateTimeOffset now)
    {
        var (ns, name) = (policy.Metadata.NamespaceProperty, policy.Metadata.Name);
        var status = policy.Status;
        if (status.LastSuccessfulBackup?.CompletedAt is { } completed)
            LastSuccessTimestamp.WithLabels(ns, name).Set(new DateTimeOffset(DateTime.SpecifyKind(completed, DateTimeKind.Utc)).ToUnixTimeMilliseconds() / 1000.0);
        if (status.LastSuccessfulBackup?.SizeBytes is { } size) LastSize.WithLabels(ns, name).Set(size);
        if (status.RecentBackups?.FirstOrDefault(r => r.Result is BackupRunResult.Succeeded or BackupRunResult.Failed) is { StartedAt: { } s, CompletedAt: { } c })
            LastDuration.WithLabels(ns, name).Set((c - s).TotalSeconds);
        if (rpoMet is { } met) RpoMet.WithLabels(ns, name).Set(met ? 1 : 0);
        else RpoMet.RemoveLabelled(ns, name);

        foreach (var replica in policy.Spec.Replicas ?? [])
        {
            var held = status.Replicas?.FirstOrDefault(r => r.Name == replica.Name)?.LastCopiedBackup?.Id;
            var lag = status.LastSuccessfulBackup is { CompletedAt: { } newest } latest && held != latest.Id
                ? Math.Max(0, (now.UtcDateTime - DateTime.SpecifyKind(newest, DateTimeKind.Utc)).TotalSeconds)
                : 0;
            ReplicaLag.WithLabels(ns, name, replica.Name).Set(lag);
        }
    }

    public static void Forget(BackupPolicy policy)
    {
        var (ns, name) = (policy.Metadata.NamespaceProperty, policy.Metadata.Name);
        LastSuccessTimestamp.RemoveLabelled(ns, name);
        LastDuration.RemoveLabelled(ns, name);
        LastSize.RemoveLabelled(ns, name);
        RpoMet.RemoveLabelled(ns, name);
        foreach (var outcome in new[] { "succeeded", "failed", "skipped" }) Runs.RemoveLabelled(ns, name, outcome);
        foreach (var replica in policy.Spec.Replicas ?? []) ReplicaLag.RemoveLabelled(ns, name, replica.Name);
    }
}
