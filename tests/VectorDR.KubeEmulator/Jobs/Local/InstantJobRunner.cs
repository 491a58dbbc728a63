using System.Text.Json.Nodes;

namespace VectorDR.KubeEmulator.Jobs;

/// <summary>
/// A Job runner for benchmarks and controller tests that need Jobs to finish but not to do anything: each Job gets its
/// pod, which is immediately Succeeded with the termination message <see cref="TerminationMessage"/> produces, and the
/// Job is immediately Complete — no process, no delay. With <see cref="ExitCode"/> returning non-zero, the Job fails as
/// it would after <c>backoffLimit</c> retries (backoffLimit + 1 failed pods, BackoffLimitExceeded).
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

    /// <summary>(job, pod) → the container's termination message.</summary>
    public Func<JsonObject, JsonObject, string> TerminationMessage { get; }

    /// <summary>(job, pod) → the container's exit code (default 0).</summary>
    public Func<JsonObject, JsonObject, int> ExitCode { get; init; } = (_, _) => 0;

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
            var exitCode = ExitCode(job, pod);
            var message = TerminationMessage(job, pod);
            var terminated = new ContainerState.Terminated(exitCode, exitCode == 0 ? "Completed" : "Error", message, now, now);
            var status = PodStatusBuilder.Build(pod, now, terminated, null, 0, $"kube-emulator://instant-{pod["metadata"]!["uid"]}", now);
            pod["status"] = status;
            cluster.UpdateStatus("v1", "pods", ns, pod);
            if (exitCode == 0)
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

    public Task OnJobDeletedAsync(JsonObject job, IEmulatorCluster cluster, CancellationToken cancellationToken) => Task.CompletedTask;
}
