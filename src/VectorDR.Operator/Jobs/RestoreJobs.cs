using System.Globalization;
using k8s.Models;
using VectorDR.Operator.Entities;

namespace VectorDR.Operator.Jobs;

/// <summary>
/// The one Job of a RestoreRequest: `vectordr restore LOCATION (--id|--latest|--at) --qdrant URL … --json`, which
/// selects the backup, restores it, verifies count, vector configuration and probe recall, switches the alias only
/// after that, and reports the result in its termination message. The Qdrant key and the source's S3 credentials
/// reach it only as env secretKeyRefs.
/// </summary>
public sealed class RestoreJobs(JobFactory factory)
{
    public const string RestoreContainer = "restore";

    /// <param name="source">Where the backup is read from (resolved from the policy, its replica, or the explicit location).</param>
    public V1Job Restore(RestoreRequest request, StorageLocation source)
    {
        var spec = request.Spec;
        var target = spec.Target;
        var args = new List<string> { "restore", source.Location };
        args.AddRange(Selector(spec.Source));
        args.AddRange(CommandEnvironment.QdrantArgs(target.Qdrant));
        foreach (var c in target.Collections ?? [])
            args.AddRange(["--collection", c.To is { Length: > 0 } to && to != c.From ? $"{c.From}:{to}" : c.From]);
        args.AddRange(["--on-existing", target.OnExisting == OnExistingPolicy.Replace ? "replace" : "fail"]);
        if (target.SwitchAlias is { Length: > 0 } alias) args.AddRange(["--switch-alias", alias]);
        args.Add("--json");

        var env = CommandEnvironment.Qdrant(target.Qdrant).Concat(CommandEnvironment.Storage(source)).ToList();
        var (volumes, mounts) = CommandEnvironment.Volumes(target.Qdrant, [source]);
        var name = JobNames.Restore(request.Metadata.Name);
        var labels = new Dictionary<string, string>
        {
            ["app.kubernetes.io/component"] = JobNames.RestoreStep,
            [JobNames.RestoreLabel] = JobNames.LabelValue(request.Metadata.Name),
            [JobNames.StepLabel] = JobNames.RestoreStep,
        };
        return factory.Build(new JobRequest(request, name, labels, new Dictionary<string, string>(), Template(spec.JobTemplate),
            [new JobStep(RestoreContainer, args, env)], volumes, mounts));
    }

    public static IEnumerable<string> Selector(RestoreSource source)
    {
        if (source.BackupId is { Length: > 0 } id) return ["--id", id];
        if (source.PointInTime is { } at) return ["--at", Rfc3339(at)];
        return ["--latest"];
    }

    /// <summary>RFC 3339 in UTC; fractions kept, so "at or before" means exactly the instant that was asked for.</summary>
    public static string Rfc3339(DateTime at)
    {
        var utc = at.Kind == DateTimeKind.Local ? at.ToUniversalTime() : DateTime.SpecifyKind(at, DateTimeKind.Utc);
        return utc.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
    }

    // A restore is not idempotent (with onExisting Fail a retry meets the collection the first attempt created and
    // reports that instead of the real cause), so its pod is never retried: one Job, one attempt, one result.
    private static JobTemplate Template(JobTemplate? template) => new()
    {
        Resources = template?.Resources,
        NodeSelector = template?.NodeSelector,
        Tolerations = template?.Tolerations,
        ServiceAccountName = template?.ServiceAccountName,
        ActiveDeadlineSeconds = template?.ActiveDeadlineSeconds,
        BackoffLimit = 0,
    };
}
