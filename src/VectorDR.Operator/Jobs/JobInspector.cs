using k8s.Models;
using VectorDR.ControllerRuntime.Client;

namespace VectorDR.Operator.Jobs;

public enum JobState { Active, Succeeded, Failed }

/// <summary>A finished Job as the operator records it: its state, the Job controller's reason, and each container's result.</summary>
public sealed record JobOutcome(JobState State, string? Reason, string? Message, IReadOnlyDictionary<string, CommandResult> Containers,
    DateTime? StartTime, DateTime? CompletionTime)
{
    /// <summary>The container's result, or null when it never ran (an earlier step failed, or the pod is gone).</summary>
    public CommandResult? Container(string name) => Containers.GetValueOrDefault(name);

    /// <summary>Why the Job failed, in the words closest to the cause: the failed command's own message, else the Job controller's.</summary>
    public string FailureMessage =>
        Containers.Values.FirstOrDefault(c => !c.Succeeded)?.Error
        ?? (Message is { Length: > 0 } m ? $"{Reason}: {m}" : Reason ?? "the Job failed");
}

/// <summary>
/// Reads a Job's outcome the way `kubectl` users would: the Job's Complete/Failed condition, then the termination
/// messages of its pod's containers (init containers included). No log scraping and no shared volume: the
/// command's JSON result travels in the termination message.
/// </summary>
public sealed class JobInspector(KubeApiClient client)
{
    public static JobState StateOf(V1Job job)
    {
        foreach (var condition in job.Status?.Conditions ?? [])
        {
            if (condition.Status != "True") continue;
            if (condition.Type == "Complete") return JobState.Succeeded;
            if (condition.Type == "Failed") return JobState.Failed;
        }
        return JobState.Active;
    }

    public async Task<JobOutcome> InspectAsync(V1Job job, CancellationToken cancellationToken)
    {
        var state = StateOf(job);
        var condition = job.Status?.Conditions?.FirstOrDefault(c => c.Status == "True" && c.Type is "Complete" or "Failed");
        var pods = await client.ListAsync<V1Pod>(job.Metadata.NamespaceProperty, $"job-name={job.Metadata.Name}", cancellationToken);
        var pod = PickPod(pods.Items.Where(p => IsOwnedBy(p, job)), state);

        var containers = new Dictionary<string, CommandResult>(StringComparer.Ordinal);
        foreach (var status in (pod?.Status?.InitContainerStatuses ?? []).Concat(pod?.Status?.ContainerStatuses ?? []))
        {
            if (status.State?.Terminated is { } terminated)
                containers[status.Name] = CommandResult.From(terminated.ExitCode, terminated.Message);
        }
        return new JobOutcome(state, condition?.Reason, condition?.Message, containers, job.Status?.StartTime, job.Status?.CompletionTime);
    }

    // The pod that decided the Job: the one that succeeded, else the newest failed one (earlier ones were retried).
    private static V1Pod? PickPod(IEnumerable<V1Pod> pods, JobState state)
    {
        var ordered = pods.OrderByDescending(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue).ToList();
        return state == JobState.Succeeded
            ? ordered.FirstOrDefault(p => p.Status?.Phase == "Succeeded") ?? ordered.FirstOrDefault()
            : ordered.FirstOrDefault(p => p.Status?.Phase == "Failed") ?? ordered.FirstOrDefault();
    }

    private static bool IsOwnedBy(V1Pod pod, V1Job job) =>
        pod.Metadata.OwnerReferences?.Any(o => o.Uid == job.Metadata.Uid) ?? true;
}
