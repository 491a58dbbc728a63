using System.Text.Json.Nodes;

namespace VectorDR.KubeEmulator.Jobs;

/// <summary>The state one container is in, as the kubelet reports it.</summary>
internal abstract record ContainerState
{
    private ContainerState()
    {
    }

    public sealed record Waiting(string Reason, string? Message = null) : ContainerState;

    /// <param name="ContainerId">The runtime's id of this instance (<c>kube-emulator://&lt;pid&gt;</c>).</param>
    public sealed record Running(DateTimeOffset StartedAt, string? ContainerId = null) : ContainerState;

    /// <param name="ContainerId">The id of the instance that terminated; none when it never started (StartError, ContainerStatusUnknown).</param>
    public sealed record Terminated(int ExitCode, string Reason, string? Message, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, string? ContainerId = null) : ContainerState;
}

/// <summary>What the kubelet knows of one container of a pod: its current state, the previous instance's, and its restarts.</summary>
internal sealed record ContainerSnapshot(string Name, string Image, ContainerState State, ContainerState? LastState = null, int RestartCount = 0)
{
    /// <summary>The kubelet's default before a container is created: PodInitializing in a pod with init containers (for them too), ContainerCreating otherwise.</summary>
    public static ContainerSnapshot Initial(JsonObject container, bool podHasInitContainers) =>
        new(container["name"]?.GetValue<string>() ?? "", container["image"]?.GetValue<string>() ?? "",
            new ContainerState.Waiting(podHasInitContainers ? "PodInitializing" : "ContainerCreating"));

    /// <summary>An init container is done, and lets the next one start, once it exited with 0.</summary>
    public bool Succeeded => State is ContainerState.Terminated { ExitCode: 0 };
}

/// <summary>
/// Builds pod <c>status</c> the way the kubelet writes it: phase (kubelet's <c>getPhase</c>), conditions (its
/// <c>Generate…Condition</c> functions), initContainerStatuses and containerStatuses, IPs, startTime.
/// </summary>
internal static class PodStatusBuilder
{
    /// <summary>Every pod runs on the host: its IP is loopback.</summary>
    public const string PodIp = "127.0.0.1";

    /// <param name="terminal">The kubelet has finished with the pod (nothing will be started or restarted): its phase is Succeeded or Failed.</param>
    public static JsonObject Build(JsonObject pod, DateTimeOffset startTime, IReadOnlyList<ContainerSnapshot> initContainers, ContainerSnapshot main, bool terminal, DateTimeOffset now)
    {
        var phase = Phase(pod["spec"]?["restartPolicy"]?.GetValue<string>() ?? "Always", initContainers, main, terminal);
        var ready = main.State is ContainerState.Running;
        var transition = Meta(now);
        var completed = phase is "Succeeded" or "Failed";
        var notReadyReason = completed ? "PodCompleted" : ready ? null : "ContainersNotReady";
        var notReadyMessage = completed || ready ? null : $"containers with unready status: [{main.Name}]";
        var status = new JsonObject
        {
            ["phase"] = phase,
            ["conditions"] = new JsonArray(
                Condition("PodReadyToStartContainers", "True", transition),
                InitializedCondition(initContainers, main, phase, transition),
                Condition("Ready", ready ? "True" : "False", transition, notReadyReason, notReadyMessage),
                Condition("ContainersReady", ready ? "True" : "False", transition, notReadyReason, notReadyMessage),
                Condition("PodScheduled", "True", Meta(startTime))),
            ["hostIP"] = PodIp,
            ["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = PodIp }),
            ["podIP"] = PodIp,
            ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = PodIp }),
            ["startTime"] = Meta(startTime),
        };
        if (initContainers.Count > 0)
        {
            status["initContainerStatuses"] = new JsonArray([.. initContainers.Select(c => (JsonNode)ContainerStatus(c, init: true))]);
        }

        status["containerStatuses"] = new JsonArray(ContainerStatus(main, init: false));
        status["qosClass"] = pod["status"]?["qosClass"]?.DeepClone() ?? "BestEffort";
        return status;
    }

    /// <summary>
    /// The kubelet's <c>getPhase</c> for a pod without sidecars: a failed init container fails a restartPolicy Never pod;
    /// any init container still to succeed, or a main container not yet started, keeps it Pending.
    /// </summary>
    private static string Phase(string restartPolicy, IReadOnlyList<ContainerSnapshot> initContainers, ContainerSnapshot main, bool terminal)
    {
        int pendingInitialization = 0, failedInitialization = 0;
        foreach (var init in initContainers)
        {
            switch (init.State)
            {
                case ContainerState.Terminated t:
                    failedInitialization += t.ExitCode != 0 ? 1 : 0;
                    break;
                case ContainerState.Waiting when init.LastState is ContainerState.Terminated last:
                    // Waiting to be restarted (OnFailure back-off): it failed, it is not pending.
                    failedInitialization += last.ExitCode != 0 ? 1 : 0;
                    break;
                default:
                    pendingInitialization++;
                    break;
            }
        }

        if (failedInitialization > 0 && restartPolicy == "Never")
        {
            return "Failed";
        }

        // A container waiting after a previous instance (crash-loop back-off) counts as stopped, not as waiting.
        var mainStopped = main.State is ContainerState.Terminated || (main.State is ContainerState.Waiting && (main.LastState is ContainerState.Terminated || main.RestartCount > 0));
        var phase = main.State switch
        {
            _ when pendingInitialization > 0 => "Pending",
            ContainerState.Waiting when !mainStopped => "Pending",
            ContainerState.Running => "Running",
            ContainerState.Terminated { ExitCode: 0 } => "Succeeded",
            _ when restartPolicy == "Never" => "Failed",
            // OnFailure (and Always): a stopped container is going to be restarted.
            _ => "Running",
        };
        if (terminal && phase is not ("Succeeded" or "Failed"))
        {
            // A pod the kubelet has finished with (stopped, deleted, past its deadline) is Failed.
            phase = main.State is ContainerState.Terminated { ExitCode: 0 } && pendingInitialization == 0 ? "Succeeded" : "Failed";
        }

        return phase;
    }

    /// <summary>The kubelet's <c>GeneratePodInitializedCondition</c>: False while any init container has not succeeded.</summary>
    private static JsonObject InitializedCondition(IReadOnlyList<ContainerSnapshot> initContainers, ContainerSnapshot main, string phase, string transition)
    {
        if (phase == "Succeeded")
        {
            return Condition("Initialized", "True", transition, "PodCompleted");
        }

        var incomplete = initContainers.Where(c => !c.Succeeded).Select(c => c.Name).ToList();
        var mainStarted = main.State is ContainerState.Running or ContainerState.Terminated;
        return incomplete.Count == 0 || mainStarted
            ? Condition("Initialized", "True", transition)
            : Condition("Initialized", "False", transition, "ContainersNotInitialized", $"containers with incomplete status: [{string.Join(' ', incomplete)}]");
    }

    /// <summary>
    /// A containerStatuses / initContainerStatuses entry. As the kubelet's prober manager sets them: a regular container is
    /// ready and started while it runs; an init container is started while it runs and ready once it has succeeded.
    /// </summary>
    private static JsonObject ContainerStatus(ContainerSnapshot container, bool init)
    {
        var running = container.State is ContainerState.Running;
        var status = new JsonObject
        {
            ["name"] = container.Name,
            ["state"] = StateJson(container.State),
            ["lastState"] = container.LastState is null ? new JsonObject() : StateJson(container.LastState),
            ["ready"] = init ? container.Succeeded : running,
            ["restartCount"] = container.RestartCount,
            ["image"] = container.Image,
            ["imageID"] = $"kube-emulator://{container.Image}",
        };
        if (container.State switch { ContainerState.Running r => r.ContainerId, ContainerState.Terminated t => t.ContainerId, _ => null } is { } containerId)
        {
            status["containerID"] = containerId;
        }

        status["started"] = running;
        return status;
    }

    private static JsonObject StateJson(ContainerState state) => state switch
    {
        ContainerState.Waiting w => new JsonObject { ["waiting"] = Without(new JsonObject { ["reason"] = w.Reason, ["message"] = w.Message }) },
        ContainerState.Running r => new JsonObject { ["running"] = new JsonObject { ["startedAt"] = Meta(r.StartedAt) } },
        ContainerState.Terminated t => new JsonObject
        {
            ["terminated"] = Without(new JsonObject
            {
                ["exitCode"] = t.ExitCode,
                ["reason"] = t.Reason,
                ["message"] = string.IsNullOrEmpty(t.Message) ? null : t.Message,
                ["startedAt"] = Meta(t.StartedAt),
                ["finishedAt"] = Meta(t.FinishedAt),
                ["containerID"] = t.ContainerId,
            }),
        },
        _ => new JsonObject(),
    };

    private static JsonObject Condition(string type, string status, string transition, string? reason = null, string? message = null) =>
        Without(new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["lastProbeTime"] = null,
            ["lastTransitionTime"] = transition,
            ["reason"] = reason,
            ["message"] = message,
        }, keepNull: "lastProbeTime");

    /// <summary>Drops null members (omitempty), except the ones the real server serializes as null.</summary>
    private static JsonObject Without(JsonObject obj, string? keepNull = null)
    {
        foreach (var key in obj.Where(kv => kv.Value is null && kv.Key != keepNull).Select(kv => kv.Key).ToList())
        {
            obj.Remove(key);
        }

        return obj;
    }

    private static string Meta(DateTimeOffset time) => Storage.Meta.Timestamp(time);
}
