using System.Text.Json.Nodes;

namespace VectorDR.KubeEmulator.Jobs;

/// <summary>Read-modify-write of an object's status through the /status subresource, as controllers do: retried on conflict, given up when the object is gone or was replaced (another uid).</summary>
internal static class StatusWriter
{
    /// <summary>Returns the written object, or null when the object no longer exists.</summary>
    public static JsonObject? Update(IEmulatorCluster cluster, string apiVersion, string resource, string ns, string name, string uid, Action<JsonObject> change)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = cluster.Get(apiVersion, resource, ns, name);
            if (current is null || current["metadata"]?["uid"]?.GetValue<string>() != uid)
            {
                return null;
            }

            var status = current["status"] as JsonObject ?? new JsonObject();
            var before = status.DeepClone();
            current["status"] = status;
            change(status);
            if (JsonNode.DeepEquals(before, status))
            {
                // Nothing to say: no write, no new resourceVersion, no watch event.
                return current;
            }

            try
            {
                return cluster.UpdateStatus(apiVersion, resource, ns, current);
            }
            catch (KubeEmulatorException e) when (e.StatusCode == 409 && attempt < 20)
            {
                // Someone else wrote in between: read again.
            }
            catch (KubeEmulatorException e) when (e.StatusCode == 404)
            {
                return null;
            }
        }
    }
}
