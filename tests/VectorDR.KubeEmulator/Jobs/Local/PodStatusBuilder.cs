using System.Text.Json.Nodes;

namespace VectorDR.KubeEmulator.Jobs;

/// <summary>The container state a pod's single container is in, as the kubelet reports it.</summary>
internal abstract record ContainerState
{
    private ContainerState()
    {
    }

    public sealed record Waiting(string Reason, string? Message = null) : ContainerState;

    public sealed record Running(DateTimeOffset StartedAt) : ContainerState;

    public sealed record Terminated(int ExitCode, string Reason, string? Message, DateTimeOffset StartedAt, DateTimeOffset FinishedAt) : ContainerState;
}

/// <summary>Builds pod <c>status</c> the way the kubelet writes it: phase, conditions, containerStatuses, IPs, startTime.</summary>
internal static class PodStatusBuilder
{
    /// <summary>Every pod runs on the host: its IP is loopback.</summary>
    public const string PodIp = "127.0.0.1";

    public static JsonObject Build(JsonObject pod, DateTimeOffset startTime, ContainerState state, ContainerState? lastState, int restartCount, string? containerId, DateTimeOffset now)
    {
        var container = (pod["spec"]?["containers"] as JsonArray)?[0] as JsonObject ?? [];
        var name = container["name"]?.GetValue<string>() ?? "";
        var image = container["image"]?.GetValue<string>() ?? "";
        var phase = state switch
        {
            ContainerState.Running => "Running",
            ContainerState.Terminated t => t.ExitCode == 0 ? "Succeeded" : "Failed",
            // A container waiting to be restarted (crash-loop back-off) leaves the pod Running.
            ContainerState.Waiting when restartCount > 0 => "Running",
            _ => "Pending",
        };
        var ready = state is ContainerState.Running;
        var transition = Meta(now);
        var containerStatus = new JsonObject
        {
            ["name"] = name,
            ["state"] = StateJson(state, containerId),
            ["lastState"] = lastState is null ? new JsonObject() : StateJson(lastState, containerId),
            ["ready"] = ready,
            ["restartCount"] = restartCount,
            ["image"] = image,
            ["imageID"] = $"kube-emulator://{image}",
            ["started"] = ready,
        };
        if (containerId is not null && state is not ContainerState.Waiting)
        {
            containerStatus["containerID"] = containerId;
        }

        var completed = state is ContainerState.Terminated;
        return new JsonObject
        {
            ["phase"] = phase,
            ["conditions"] = new JsonArray(
                Condition("PodReadyToStartContainers", "True", transition),
                Condition("Initialized", "True", transition),
                Condition("Ready", ready ? "True" : "False", transition, completed ? "PodCompleted" : ready ? null : "ContainersNotReady",
                    completed || ready ? null : $"containers with unready status: [{name}]"),
                Condition("ContainersReady", ready ? "True" : "False", transition, completed ? "PodCompleted" : ready ? null : "ContainersNotReady",
                    completed || ready ? null : $"containers with unready status: [{name}]"),
                Condition("PodScheduled", "True", Meta(startTime))),
            ["hostIP"] = PodIp,
            ["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = PodIp }),
            ["podIP"] = PodIp,
            ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = PodIp }),
            ["startTime"] = Meta(startTime),
            ["containerStatuses"] = new JsonArray(containerStatus),
            ["qosClass"] = pod["status"]?["qosClass"]?.DeepClone() ?? "BestEffort",
        };
    }

    private static JsonObject StateJson(ContainerState state, string? containerId) => state switch
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
                ["containerID"] = containerId,
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
