using System.Text;
using System.Text.Json.Nodes;
using VectorDR.KubeEmulator.Storage;

namespace VectorDR.KubeEmulator.Api;

/// <summary>
/// The per-kind create/update preparation and validation the real registry strategies perform for the built-ins the
/// emulator serves (only what clients can observe: server-set defaults, status resets, and the validations operators trip on).
/// </summary>
internal sealed class BuiltInStrategies
{
    private int _nextClusterIp = 10;

    public void PrepareForCreate(ResourceType type, JsonObject obj)
    {
        switch (type.Group, type.Resource)
        {
            case ("", "namespaces"):
                obj["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
                obj["status"] = new JsonObject { ["phase"] = "Active" };
                var labels = Meta.Of(obj)["labels"] as JsonObject ?? new JsonObject();
                labels["kubernetes.io/metadata.name"] = Meta.Name(obj);
                Meta.Of(obj)["labels"] = labels;
                break;
            case ("", "secrets"):
                NormalizeSecret(obj);
                break;
            case ("", "services"):
                DefaultService(obj);
                obj["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };
                break;
            case ("", "pods"):
                var spec = obj["spec"] as JsonObject ?? new JsonObject();
                obj["spec"] = spec;
                DefaultPodSpec(spec, "Always");
                obj["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = "BestEffort" };
                break;
            case ("batch", "jobs"):
                DefaultJob(obj);
                obj.Remove("status");
                break;
        }
    }

    public void PrepareForUpdate(ResourceType type, JsonObject obj, JsonObject old)
    {
        switch (type.Group, type.Resource)
        {
            case ("", "namespaces"):
                obj["spec"] = old["spec"]?.DeepClone();
                break;
            case ("", "secrets"):
                NormalizeSecret(obj);
                break;
            case ("", "services"):
                if (obj["spec"] is JsonObject spec && old["spec"]?["clusterIP"] is { } ip)
                {
                    spec["clusterIP"] ??= ip.DeepClone();
                    spec["clusterIPs"] ??= old["spec"]?["clusterIPs"]?.DeepClone();
                }

                DefaultService(obj);
                break;
            case ("batch", "jobs"):
                DefaultJob(obj);
                break;
        }
    }

    public IEnumerable<FieldError> Validate(ResourceType type, JsonObject obj, JsonObject? old)
    {
        switch (type.Group, type.Resource)
        {
            case ("batch", "jobs"):
                var restartPolicy = obj["spec"]?["template"]?["spec"]?["restartPolicy"]?.GetValue<string>();
                if (restartPolicy is not ("Never" or "OnFailure"))
                {
                    yield return restartPolicy is null
                        ? FieldError.Required("spec.template.spec.restartPolicy", "valid values: \"OnFailure\", \"Never\"")
                        : FieldError.NotSupported("spec.template.spec.restartPolicy", $"\"{restartPolicy}\"", ["\"OnFailure\"", "\"Never\""]);
                }

                if (obj["spec"]?["template"]?["spec"]?["containers"] is not JsonArray { Count: > 0 })
                {
                    yield return FieldError.Required("spec.template.spec.containers");
                }

                if (old is not null && !JsonNode.DeepEquals(obj["spec"]?["template"], old["spec"]?["template"]))
                {
                    yield return FieldError.Invalid("spec.template", "core.PodTemplateSpec{...}", "field is immutable");
                }

                break;
            case ("", "pods"):
                if (obj["spec"]?["containers"] is not JsonArray { Count: > 0 })
                {
                    yield return FieldError.Required("spec.containers");
                }

                break;
            case ("", "secrets") when IsImmutable(old) && !JsonNode.DeepEquals(obj["data"], old!["data"]):
                yield return FieldError.Forbidden("data", "field is immutable when `immutable` is set");
                break;
            case ("", "configmaps") when IsImmutable(old) && !JsonNode.DeepEquals(obj["data"], old!["data"]):
                yield return FieldError.Forbidden("data", "field is immutable when `immutable` is set");
                break;
        }
    }

    private static bool IsImmutable(JsonObject? old) => old is not null && old["immutable"] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.True;

    /// <summary>stringData is write-only: merged into data (base64) and never stored, as the real server does.</summary>
    private static void NormalizeSecret(JsonObject secret)
    {
        secret["type"] ??= "Opaque";
        if (secret["stringData"] is JsonObject stringData)
        {
            var data = secret["data"] as JsonObject ?? new JsonObject();
            foreach (var (key, value) in stringData)
            {
                data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value?.GetValue<string>() ?? ""));
            }

            secret["data"] = data;
        }

        secret.Remove("stringData");
    }

    private void DefaultService(JsonObject service)
    {
        var spec = service["spec"] as JsonObject ?? new JsonObject();
        service["spec"] = spec;
        spec["type"] ??= "ClusterIP";
        spec["sessionAffinity"] ??= "None";
        if (spec["type"]!.GetValue<string>() != "ExternalName" && spec["clusterIP"] is null)
        {
            var ip = $"10.96.{_nextClusterIp / 250}.{(Interlocked.Increment(ref _nextClusterIp) % 250) + 1}";
            spec["clusterIP"] = ip;
            spec["clusterIPs"] = new JsonArray(ip);
        }

        if (spec["ports"] is JsonArray ports)
        {
            foreach (var port in ports.OfType<JsonObject>())
            {
                port["protocol"] ??= "TCP";
                port["targetPort"] ??= port["port"]?.DeepClone();
            }
        }
    }

    /// <summary>The pod spec defaults the real server fills in (visible in every GET, so drift checks see them too).</summary>
    private static void DefaultPodSpec(JsonObject spec, string? restartPolicy)
    {
        if (restartPolicy is not null)
        {
            spec["restartPolicy"] ??= restartPolicy;
        }

        spec["dnsPolicy"] ??= "ClusterFirst";
        spec["schedulerName"] ??= "default-scheduler";
        spec["securityContext"] ??= new JsonObject();
        spec["terminationGracePeriodSeconds"] ??= 30;
        foreach (var list in new[] { "initContainers", "containers" })
        {
            foreach (var container in (spec[list] as JsonArray)?.OfType<JsonObject>() ?? [])
            {
                var image = container["image"]?.GetValue<string>() ?? "";
                var tagged = image.Contains('@', StringComparison.Ordinal) || (image.LastIndexOf(':') > image.LastIndexOf('/') && !image.EndsWith(":latest", StringComparison.Ordinal));
                container["imagePullPolicy"] ??= tagged ? "IfNotPresent" : "Always";
                container["terminationMessagePath"] ??= "/dev/termination-log";
                container["terminationMessagePolicy"] ??= "File";
                container["resources"] ??= new JsonObject();
                foreach (var port in (container["ports"] as JsonArray)?.OfType<JsonObject>() ?? [])
                {
                    port["protocol"] ??= "TCP";
                }
            }
        }
    }

    private static void DefaultJob(JsonObject job)
    {
        var spec = job["spec"] as JsonObject ?? new JsonObject();
        job["spec"] = spec;
        spec["completions"] ??= 1;
        spec["parallelism"] ??= 1;
        spec["backoffLimit"] ??= 6;
        spec["completionMode"] ??= "NonIndexed";
        spec["suspend"] ??= false;
        var uid = Meta.Uid(job) ?? "";
        var name = Meta.Name(job) ?? "";
        spec["selector"] ??= new JsonObject { ["matchLabels"] = new JsonObject { ["batch.kubernetes.io/controller-uid"] = uid } };
        var template = spec["template"] as JsonObject ?? new JsonObject();
        spec["template"] = template;
        if (template["spec"] is JsonObject podSpec)
        {
            DefaultPodSpec(podSpec, null);
        }

        var templateMeta = template["metadata"] as JsonObject ?? new JsonObject();
        template["metadata"] = templateMeta;
        var labels = templateMeta["labels"] as JsonObject ?? new JsonObject();
        templateMeta["labels"] = labels;
        labels["batch.kubernetes.io/controller-uid"] ??= uid;
        labels["batch.kubernetes.io/job-name"] ??= name;
        labels["controller-uid"] ??= uid;
        labels["job-name"] ??= name;
    }
}
