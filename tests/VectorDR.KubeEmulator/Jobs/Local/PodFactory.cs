using System.Text.Json.Nodes;

namespace VectorDR.KubeEmulator.Jobs;

/// <summary>Makes a Job's pod the way the Job controller does: from the template, named <c>&lt;job&gt;-xxxxx</c>, owned by the Job, bound to the node.</summary>
internal sealed class PodFactory(string nodeName)
{
    /// <summary>63 minus the 5 random characters the API server appends to a generateName.</summary>
    private const int MaxGenerateNamePrefix = 58;

    public JsonObject Create(JsonObject job)
    {
        var jobMeta = job["metadata"] as JsonObject ?? [];
        var name = jobMeta["name"]?.GetValue<string>() ?? "";
        var template = job["spec"]?["template"] as JsonObject ?? [];
        var templateMeta = template["metadata"] as JsonObject ?? [];
        var prefix = name + "-";
        if (prefix.Length > MaxGenerateNamePrefix)
        {
            prefix = prefix[..MaxGenerateNamePrefix];
        }

        var metadata = new JsonObject
        {
            ["generateName"] = prefix,
            ["namespace"] = jobMeta["namespace"]?.DeepClone(),
            // The API server defaulted the template labels: job-name, controller-uid and their batch.kubernetes.io/ forms.
            ["labels"] = templateMeta["labels"]?.DeepClone() ?? new JsonObject(),
            ["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = "batch/v1",
                ["kind"] = "Job",
                ["name"] = name,
                ["uid"] = jobMeta["uid"]?.DeepClone(),
                ["controller"] = true,
                ["blockOwnerDeletion"] = true,
            }),
        };
        if (templateMeta["annotations"] is JsonObject annotations)
        {
            metadata["annotations"] = annotations.DeepClone();
        }

        var spec = template["spec"]?.DeepClone() as JsonObject ?? [];
        spec["nodeName"] = nodeName;
        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = metadata, ["spec"] = spec };
    }
}
