using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace VectorDR.KubeEmulator.Jobs;

/// <summary>
/// Records core/v1 Events as the Job controller and the kubelet do (SuccessfulCreate, Completed, BackoffLimitExceeded,
/// Started, Killing…), so <c>kubectl describe job|pod</c> and event-watching tools see the usual story.
/// Best effort: a failed write (e.g. a terminating namespace) is ignored, as the real recorders drop events.
/// </summary>
internal sealed class EventRecorder(IEmulatorCluster cluster, TimeProvider time, string nodeName)
{
    public void JobEvent(JsonObject job, string type, string reason, string message) =>
        Record(job, "batch/v1", "Job", type, reason, message, "job-controller", null, null);

    /// <param name="fieldPath">The container the event is about (<c>spec.initContainers{x}</c>); default the first container.</param>
    public void PodEvent(JsonObject pod, string type, string reason, string message, string? fieldPath = null) =>
        Record(pod, "v1", "Pod", type, reason, message, "kubelet", nodeName, fieldPath ?? $"spec.containers{{{pod["spec"]?["containers"]?[0]?["name"]}}}");

    private void Record(JsonObject obj, string apiVersion, string kind, string type, string reason, string message, string component, string? host, string? fieldPath)
    {
        var metadata = obj["metadata"] as JsonObject ?? [];
        var ns = metadata["namespace"]?.GetValue<string>() ?? "default";
        var name = metadata["name"]?.GetValue<string>() ?? "";
        var now = time.GetUtcNow();
        var stamp = Storage.Meta.Timestamp(now);
        var source = new JsonObject { ["component"] = component };
        if (host is not null)
        {
            source["host"] = host;
        }

        var involved = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind, ["namespace"] = ns, ["name"] = name, ["uid"] = metadata["uid"]?.DeepClone() };
        if (fieldPath is not null)
        {
            involved["fieldPath"] = fieldPath;
        }

        try
        {
            cluster.Create("v1", "events", ns, new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = $"{name}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}", ["namespace"] = ns },
                ["involvedObject"] = involved,
                ["reason"] = reason,
                ["message"] = message,
                ["source"] = source,
                ["firstTimestamp"] = stamp,
                ["lastTimestamp"] = stamp,
                ["eventTime"] = null,
                ["count"] = 1,
                ["type"] = type,
                ["reportingComponent"] = component,
                ["reportingInstance"] = host ?? "",
            });
        }
        catch (KubeEmulatorException)
        {
        }
    }
}
