using System.Globalization;
using k8s.Models;
using VectorDR.Operator.Entities;

namespace VectorDR.Operator.Jobs;

/// <summary>
/// The two Jobs of a BackupPolicy run. The backup Job runs `vectordr backup` into the primary location. After it
/// succeeded, the sync Job runs, in order: `vectordr prune` on the primary, then per replica `vectordr copy --id`
/// (verified at the destination) and `vectordr prune` there. Every sync step is idempotent, so the Job's retries
/// (backoffLimit) are safe; the backup is not, which is why it has a Job of its own. Pruning the primary comes
/// first so a standby region that is down never stops retention at home.
/// </summary>
public sealed class BackupJobs(JobFactory factory)
{
    public const string BackupContainer = "backup";
    public const string PrimaryPruneContainer = "prune";
    public const string DestinationEnvPrefix = "DEST_";

    public static string CopyContainer(string replica) => "copy-" + replica;

    public static string PruneContainer(string replica) => "prune-" + replica;

    public V1Job Backup(BackupPolicy policy, string name, BackupTrigger trigger, DateTimeOffset? scheduledTime)
    {
        var spec = policy.Spec;
        var args = new List<string> { "backup", "--to", spec.Storage.Location };
        if (spec.Source.Collections is { Count: > 0 } collections)
            foreach (var c in collections) args.AddRange(["--collection", c]);
        else
            args.Add("--all");
        args.AddRange(CommandEnvironment.QdrantArgs(spec.Source.Qdrant));
        args.AddRange(["--probes", spec.Verification.Probes.ToString(CultureInfo.InvariantCulture),
            "--top-k", spec.Verification.TopK.ToString(CultureInfo.InvariantCulture),
            "--policy", $"{policy.Metadata.NamespaceProperty}/{policy.Metadata.Name}", "--json"]);
        var env = CommandEnvironment.Qdrant(spec.Source.Qdrant).Concat(CommandEnvironment.Storage(spec.Storage)).ToList();
        var (volumes, mounts) = CommandEnvironment.Volumes(spec.Source.Qdrant, [spec.Storage]);

        var annotations = new Dictionary<string, string> { [JobNames.TriggerAnnotation] = trigger.ToString() };
        if (scheduledTime is { } t) annotations[JobNames.ScheduledTimeAnnotation] = t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        return factory.Build(new JobRequest(policy, name, Labels(policy, name, JobNames.BackupStep), annotations, spec.JobTemplate,
            [new JobStep(BackupContainer, args, env)], volumes, mounts));
    }

    public V1Job Sync(BackupPolicy policy, string run, string backupId)
    {
        var spec = policy.Spec;
        var steps = new List<JobStep> { Prune(PrimaryPruneContainer, spec.Storage, spec.Retention) };
        foreach (var replica in spec.Replicas ?? [])
        {
            var access = spec.AccessTo(replica);
            steps.Add(Copy(spec.Storage, replica.Name, access, backupId));
            steps.Add(Prune(PruneContainer(replica.Name), access, spec.Retention));
        }
        var name = JobNames.Sync(run);
        var (volumes, mounts) = CommandEnvironment.Volumes(null, [spec.Storage, .. (spec.Replicas ?? []).Select(spec.AccessTo)]);
        return factory.Build(new JobRequest(policy, name, Labels(policy, run, JobNames.SyncStep), new Dictionary<string, string>(), spec.JobTemplate,
            steps, volumes, mounts));
    }

    /// <summary>
    /// The copy reads the primary with the unprefixed AWS_* variables and gets the replica's settings (credentials, CA
    /// bundle) under DEST_ with `--to-env-prefix`, so a standby account never borrows the primary's keys by accident.
    /// </summary>
    private static JobStep Copy(StorageLocation primary, string replica, StorageLocation access, string backupId)
    {
        var args = new List<string> { "copy", primary.Location, "--to", access.Location, "--id", backupId, "--json" };
        var env = CommandEnvironment.Storage(primary).ToList();
        var destination = CommandEnvironment.Storage(access, DestinationEnvPrefix).ToList();
        if (destination.Count > 0)
        {
            env.AddRange(destination);
            args.AddRange(["--to-env-prefix", DestinationEnvPrefix]);
        }
        return new JobStep(CopyContainer(replica), args, env);
    }

    private static JobStep Prune(string container, StorageLocation location, RetentionPolicy retention) => new(container,
    [
        "prune", location.Location,
        "--keep-last", Text(retention.KeepLast), "--keep-hourly", Text(retention.KeepHourly), "--keep-daily", Text(retention.KeepDaily),
        "--keep-weekly", Text(retention.KeepWeekly), "--keep-monthly", Text(retention.KeepMonthly), "--json",
    ], CommandEnvironment.Storage(location).ToList());

    private static Dictionary<string, string> Labels(BackupPolicy policy, string run, string step) => new()
    {
        ["app.kubernetes.io/component"] = step,
        [JobNames.PolicyLabel] = JobNames.LabelValue(policy.Metadata.Name),
        [JobNames.RunLabel] = run,
        [JobNames.StepLabel] = step,
    };

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
