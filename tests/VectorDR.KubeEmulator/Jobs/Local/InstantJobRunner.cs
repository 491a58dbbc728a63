using System.Text.Json.Nodes;

namespace VectorDR.KubeEmulator.Jobs;

/// <summary>
/// A Job runner for benchmarks and controller tests that need Jobs to finish but not to do anything: each Job gets its
/// pod, which is immediately Succeeded with the termination message <see cref="TerminationMessage"/> produces, and the
/// Job is immediately Complete — no process, no delay. With <see cref="ExitCode"/> returning non-zero, the Job fails as
/// it would after <c>backoffLimit</c> retries (backoffLimit + 1 failed pods, BackoffLimitExceeded). Init containers are
/// reported as having run in order before the main container (<see cref="ContainerTerminationMessage"/> and
/// <see cref="ContainerExitCode"/> give each its own outcome): the first that exits non-zero fails the pod, and the later
/// ones and the main container stay waiting with PodInitializing, as the kubelet leaves them.
/// </summary>
public sealed class InstantJobRunner : IJobRunner
{
    private readonly PodFactory _pods;
    private readonly TimeProvider _time;

    public InstantJobRunner(Func<JsonObject, JsonObject, string>? terminationMessage = null, string nodeName = "emulator-node", TimeProvider? timeProvider = null)
    {
        TerminationMessage = terminationMessage ?? ((_, _) => "");
        _pods = new PodFactory(nodeName);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>(job, pod) → the main container's termination message.</summary>
    public Func<JsonObject, JsonObject, string> TerminationMessage { get; }

    /// <summary>(job, pod) → the main container's exit code (default 0).</summary>
    public Func<JsonObject, JsonObject, int> ExitCode { get; init; } = (_, _) => 0;

    /// <summary>
    /// (job, pod, container name) → that container's termination message, init containers included; null falls back to
    /// <see cref="TerminationMessage"/> for the main container and to no message for an init container.
    /// </summary>
    public Func<JsonObject, JsonObject, string, string?>? ContainerTerminationMessage { get; init; }

    /// <summary>
    /// (job, pod, container name) → that container's exit code, init containers included; null falls back to
    /// <see cref="ExitCode"/> for the main container and to 0 for an init container.
    /// </summary>
    public Func<JsonObject, JsonObject, string, int?>? ContainerExitCode { get; init; }

    /// <summary>How many Jobs this runner has finished.</summary>
    public int CompletedJobs => _completed;

    private int _completed;

    public Task OnJobCreatedAsync(JsonObject job, IEmulatorCluster cluster, CancellationToken cancellationToken)
    {
        var ns = job["metadata"]!["namespace"]!.GetValue<string>();
        var name = job["metadata"]!["name"]!.GetValue<string>();
        var uid = job["metadata"]!["uid"]!.GetValue<string>();
        var now = _time.GetUtcNow();
        var backoffLimit = (int)(job["spec"]?["backoffLimit"]?.GetValue<long>() ?? 6);
        int succeeded = 0, failed = 0;
        do
        {
            var pod = cluster.Create("v1", "pods", ns, _pods.Create(job));
            var succeededPod = Run(job, pod, now);
            cluster.UpdateStatus("v1", "pods", ns, pod);
            if (succeededPod)
            {
                succeeded++;
            }
            else
            {
                failed++;
            }
        }
        while (succeeded == 0 && failed <= backoffLimit);

        var (type, reason, text) = succeeded > 0
            ? ("Complete", "CompletionsReached", "Reached expected number of succeeded pods")
            : ("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
        var stamp = Storage.Meta.Timestamp(now);
        JsonObject Condition(string conditionType) => new()
        {
            ["type"] = conditionType, ["status"] = "True", ["lastProbeTime"] = stamp, ["lastTransitionTime"] = stamp, ["reason"] = reason, ["message"] = text,
        };

        StatusWriter.Update(cluster, "batch/v1", "jobs", ns, name, uid, status =>
        {
            status["startTime"] = stamp;
            if (succeeded > 0)
            {
                status["succeeded"] = succeeded;
                status["completionTime"] = stamp;
            }

            if (failed > 0)
            {
                status["failed"] = failed;
            }

            status["ready"] = 0;
            status["uncountedTerminatedPods"] = new JsonObject();
            status["conditions"] = new JsonArray(Condition(succeeded > 0 ? "SuccessCriteriaMet" : "FailureTarget"), Condition(type));
        });
        Interlocked.Increment(ref _completed);
        return Task.CompletedTask;
    }

    /// <summary>Writes the finished pod's status: its init containers in order, then the main container unless one failed. True when the pod succeeded.</summary>
    private bool Run(JsonObject job, JsonObject pod, DateTimeOffset now)
    {
        var uid = pod["metadata"]!["uid"]!.GetValue<string>();
        var initContainers = (pod["spec"]?["initContainers"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        var main = (pod["spec"]?["containers"] as JsonArray)?[0] as JsonObject ?? [];
        var initStatuses = new List<ContainerSnapshot>();
        var initialized = true;
        foreach (var container in initContainers)
        {
            var initial = ContainerSnapshot.Initial(container, podHasInitContainers: true);
            if (!initialized)
            {
                initStatuses.Add(initial);
                continue;
            }

            var exitCode = ContainerExitCode?.Invoke(job, pod, initial.Name) ?? 0;
            var message = ContainerTerminationMessage?.Invoke(job, pod, initial.Name);
            initStatuses.Add(initial with { State = Terminated(exitCode, message, $"kube-emulator://instant-{uid}-{initial.Name}") });
            initialized = exitCode == 0;
        }

        var mainStatus = ContainerSnapshot.Initial(main, initContainers.Count > 0);
        if (initialized)
        {
            var exitCode = ContainerExitCode?.Invoke(job, pod, mainStatus.Name) ?? ExitCode(job, pod);
            var message = ContainerTerminationMessage?.Invoke(job, pod, mainStatus.Name) ?? TerminationMessage(job, pod);
            mainStatus = mainStatus with { State = Terminated(exitCode, message, $"kube-emulator://instant-{uid}") };
        }

        pod["status"] = PodStatusBuilder.Build(pod, now, initStatuses, mainStatus, terminal: true, now);
        return mainStatus.State is ContainerState.Terminated { ExitCode: 0 };

        ContainerState.Terminated Terminated(int exitCode, string? message, string containerId) =>
            new(exitCode, exitCode == 0 ? "Completed" : "Error", message, now, now, containerId);
    }

    public Task OnJobDeletedAsync(JsonObject job, IEmulatorCluster cluster, CancellationToken cancellationToken) => Task.CompletedTask;
}
