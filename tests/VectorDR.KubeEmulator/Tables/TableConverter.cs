using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using VectorDR.KubeEmulator.Api;

namespace VectorDR.KubeEmulator.Tables;

/// <summary>
/// Builds <c>meta.k8s.io/v1 Table</c> responses (what <c>kubectl get</c> asks for): custom resources use the CRD's
/// additionalPrinterColumns (or Name + Age), built-ins a column set close to the real server's printers.
/// </summary>
internal sealed class TableConverter(TimeProvider time)
{
    private sealed record Column(string Name, string Type, string Format, string Description, int Priority, Func<JsonObject, JsonNode?> Cell);

    public JsonObject Convert(ResourceType type, IReadOnlyList<JsonObject> objects, string resourceVersion, string? continueToken, string? includeObject)
    {
        var columns = ColumnsFor(type);
        var definitions = new JsonArray(columns.Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c.Name,
            ["type"] = c.Type,
            ["format"] = c.Format,
            ["description"] = c.Description,
            ["priority"] = c.Priority,
        }).ToArray());

        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            var row = new JsonObject { ["cells"] = new JsonArray(columns.Select(c => c.Cell(obj)?.DeepClone()).ToArray()) };
            var embedded = EmbeddedObject(obj, includeObject);
            if (embedded is not null)
            {
                row["object"] = embedded;
            }

            rows.Add(row);
        }

        var metadata = new JsonObject { ["resourceVersion"] = resourceVersion };
        if (continueToken is not null)
        {
            metadata["continue"] = continueToken;
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = metadata,
            ["columnDefinitions"] = definitions,
            ["rows"] = rows,
        };
    }

    private static JsonObject? EmbeddedObject(JsonObject obj, string? includeObject) => includeObject switch
    {
        "None" => null,
        "Object" => obj.DeepClone().AsObject(),
        _ => new JsonObject
        {
            ["kind"] = "PartialObjectMetadata",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = obj["metadata"]?.DeepClone(),
        },
    };

    private List<Column> ColumnsFor(ResourceType type)
    {
        var name = new Column("Name", "string", "name", "Name must be unique within a namespace. More info: http://kubernetes.io/docs/user-guide/identifiers#names", 0, o => o["metadata"]?["name"]);
        var age = new Column("Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this object was created.", 0, o => Age(o["metadata"]?["creationTimestamp"]));
        if (type.Custom is { } custom)
        {
            if (custom.PrinterColumns.Count == 0)
            {
                return [name, age];
            }

            var columns = new List<Column> { name };
            foreach (var definition in custom.PrinterColumns.OfType<JsonObject>())
            {
                var columnType = definition["type"]?.GetValue<string>() ?? "string";
                var path = definition["jsonPath"]?.GetValue<string>() ?? "";
                columns.Add(new Column(
                    definition["name"]?.GetValue<string>() ?? path,
                    columnType,
                    definition["format"]?.GetValue<string>() ?? "",
                    definition["description"]?.GetValue<string>() ?? "",
                    definition["priority"]?.GetValue<int>() ?? 0,
                    o => CustomCell(o, path, columnType)));
            }

            return columns;
        }

        return (type.Group, type.Resource) switch
        {
            ("", "pods") =>
            [
                name,
                new Column("Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic.", 0, PodReady),
                new Column("Status", "string", "", "The aggregate status of the containers in this pod.", 0, PodStatus),
                new Column("Restarts", "string", "", "The number of times the containers in this pod have been restarted.", 0, PodRestarts),
                age,
                new Column("IP", "string", "", "IP address allocated to the pod.", 1, o => o["status"]?["podIP"]?.DeepClone() ?? "<none>"),
                new Column("Node", "string", "", "Name of the Node this pod is assigned to.", 1, o => o["spec"]?["nodeName"]?.DeepClone() ?? "<none>"),
            ],
            ("", "namespaces") => [name, new Column("Status", "string", "", "The status of the namespace", 0, o => o["status"]?["phase"]?.DeepClone()), age],
            ("", "secrets") =>
            [
                name,
                new Column("Type", "string", "", "The type of the secret", 0, o => o["type"]?.DeepClone() ?? "Opaque"),
                new Column("Data", "string", "", "The number of entries in the secret", 0, o => (o["data"] as JsonObject)?.Count ?? 0),
                age,
            ],
            ("", "configmaps") =>
            [
                name,
                new Column("Data", "string", "", "Data contains the configuration data.", 0, o => ((o["data"] as JsonObject)?.Count ?? 0) + ((o["binaryData"] as JsonObject)?.Count ?? 0)),
                age,
            ],
            ("", "services") =>
            [
                name,
                new Column("Type", "string", "", "The type of service.", 0, o => o["spec"]?["type"]?.DeepClone() ?? "ClusterIP"),
                new Column("Cluster-IP", "string", "", "The cluster IP of the service.", 0, o => o["spec"]?["clusterIP"]?.DeepClone() ?? "<none>"),
                new Column("External-IP", "string", "", "External IPs of the service.", 0, o => o["spec"]?["externalName"]?.DeepClone() ?? "<none>"),
                new Column("Port(s)", "string", "", "The ports of the service.", 0, ServicePorts),
                age,
            ],
            ("batch", "jobs") =>
            [
                name,
                new Column("Status", "string", "", "Status of the job.", 0, JobStatus),
                new Column("Completions", "string", "", "The completed job pods.", 0, o => $"{o["status"]?["succeeded"]?.GetValue<long>() ?? 0}/{o["spec"]?["completions"]?.GetValue<long>() ?? 1}"),
                new Column("Duration", "string", "", "Time required to complete the job.", 0, JobDuration),
                age,
            ],
            ("coordination.k8s.io", "leases") => [name, new Column("Holder", "string", "", "The holder of the lease", 0, o => o["spec"]?["holderIdentity"]?.DeepClone() ?? ""), age],
            ("", "events") =>
            [
                new Column("Last Seen", "string", "", "Time when this event was last observed.", 0, o => Age(o["lastTimestamp"] ?? o["eventTime"] ?? o["metadata"]?["creationTimestamp"])),
                new Column("Type", "string", "", "Type of this event.", 0, o => o["type"]?.DeepClone()),
                new Column("Reason", "string", "", "Reason for this event.", 0, o => o["reason"]?.DeepClone()),
                new Column("Object", "string", "", "The object this event is about.", 0, o => $"{o["involvedObject"]?["kind"]?.GetValue<string>()?.ToLowerInvariant()}/{o["involvedObject"]?["name"]?.GetValue<string>()}"),
                new Column("Message", "string", "", "A human-readable description of the event.", 0, o => o["message"]?.DeepClone()),
            ],
            ("apiextensions.k8s.io", "customresourcedefinitions") =>
                [name, new Column("Created At", "date", "", "Creation time.", 0, o => o["metadata"]?["creationTimestamp"]?.DeepClone())],
            _ => [name, age],
        };
    }

    private JsonNode? CustomCell(JsonObject obj, string path, string type)
    {
        var results = SimpleJsonPath.Evaluate(obj, path);
        if (results.Count == 0 || results[0] is null)
        {
            return null;
        }

        var value = results[0]!;
        switch (type)
        {
            case "date":
                return value is JsonValue dv && dv.GetValueKind() == JsonValueKind.String ? Age(value) : "<invalid>";
            case "integer" or "number" or "boolean":
                return value.DeepClone();
            default:
                // Several matches are shown comma-separated, scalars as text, structures as JSON (like the real printer).
                return string.Join(",", results.Select(r => r is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : r?.ToJsonString() ?? ""));
        }
    }

    private JsonNode? Age(JsonNode? timestamp)
    {
        if (timestamp is not JsonValue value || value.GetValueKind() != JsonValueKind.String ||
            !DateTimeOffset.TryParse(value.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return "<unknown>";
        }

        return HumanDuration.Format(time.GetUtcNow() - at);
    }

    private static JsonNode PodReady(JsonObject pod)
    {
        var total = (pod["spec"]?["containers"] as JsonArray)?.Count ?? 0;
        var ready = (pod["status"]?["containerStatuses"] as JsonArray)?.Count(c => c?["ready"]?.GetValue<bool>() == true) ?? 0;
        return $"{ready}/{total}";
    }

    /// <summary>
    /// The printer's pod status (kube's <c>printPod</c>): the first init container that has not succeeded speaks for the pod
    /// (<c>Init:Error</c>, <c>Init:ExitCode:N</c>, <c>Init:CrashLoopBackOff</c>, or <c>Init:N/M</c> while it waits or runs);
    /// once initialised, a container's waiting or terminated reason wins over the phase (PodInitializing, ImagePullBackOff,
    /// Completed, Error…).
    /// </summary>
    private static JsonNode PodStatus(JsonObject pod) => PrintPod(pod).Status;

    private static JsonNode PodRestarts(JsonObject pod) => PrintPod(pod).Restarts;

    /// <summary>printPod's STATUS and RESTARTS: while initialising the restarts are the init containers' (up to the one shown).</summary>
    private static (string Status, long Restarts) PrintPod(JsonObject pod)
    {
        var reason = pod["status"]?["reason"]?.GetValue<string>() is { Length: > 0 } podReason ? podReason : pod["status"]?["phase"]?.GetValue<string>() ?? "Pending";
        var initCount = (pod["spec"]?["initContainers"] as JsonArray)?.Count ?? 0;
        var initStatuses = (pod["status"]?["initContainerStatuses"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        var restarts = 0L;
        var initializing = false;
        for (var i = 0; i < initStatuses.Count; i++)
        {
            var container = initStatuses[i];
            restarts += container["restartCount"]?.GetValue<long>() ?? 0;
            var terminated = container["state"]?["terminated"] as JsonObject;
            var waitingReason = container["state"]?["waiting"]?["reason"]?.GetValue<string>();
            if (terminated is not null && terminated["exitCode"]?.GetValue<long>() == 0)
            {
                continue;
            }

            initializing = true;
            if (terminated is not null)
            {
                reason = terminated["reason"]?.GetValue<string>() is { Length: > 0 } r ? "Init:" + r
                    : terminated["signal"]?.GetValue<long>() is { } signal and not 0 ? $"Init:Signal:{signal}"
                    : $"Init:ExitCode:{terminated["exitCode"]?.GetValue<long>() ?? 0}";
            }
            else if (waitingReason is { Length: > 0 } && waitingReason != "PodInitializing")
            {
                reason = "Init:" + waitingReason;
            }
            else
            {
                reason = $"Init:{i}/{initCount}";
            }

            break;
        }

        if (!initializing)
        {
            restarts = 0;
            var hasRunning = false;
            foreach (var container in ((pod["status"]?["containerStatuses"] as JsonArray)?.OfType<JsonObject>() ?? []).Reverse())
            {
                restarts += container["restartCount"]?.GetValue<long>() ?? 0;
                if (container["state"]?["waiting"]?["reason"]?.GetValue<string>() is { Length: > 0 } waiting)
                {
                    reason = waiting;
                }
                else if (container["state"]?["terminated"] is JsonObject terminated)
                {
                    reason = terminated["reason"]?.GetValue<string>() is { Length: > 0 } r ? r
                        : terminated["signal"]?.GetValue<long>() is { } signal and not 0 ? $"Signal:{signal}"
                        : $"ExitCode:{terminated["exitCode"]?.GetValue<long>() ?? 0}";
                }
                else if (container["ready"]?.GetValue<bool>() == true && container["state"]?["running"] is not null)
                {
                    hasRunning = true;
                }
            }

            // A completed container next to a running one: the pod is still Running (or NotReady).
            if (reason == "Completed" && hasRunning)
            {
                var readyCondition = (pod["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>()
                    .Any(c => c["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True") == true;
                reason = readyCondition ? "Running" : "NotReady";
            }
        }

        return (pod["metadata"]?["deletionTimestamp"] is not null ? "Terminating" : reason, restarts);
    }

    private static JsonNode ServicePorts(JsonObject service)
    {
        var ports = (service["spec"]?["ports"] as JsonArray)?.OfType<JsonObject>()
            .Select(p => $"{p["port"]?.ToJsonString()}/{p["protocol"]?.GetValue<string>() ?? "TCP"}").ToList() ?? [];
        return ports.Count == 0 ? "<none>" : string.Join(",", ports);
    }

    private static JsonNode JobStatus(JsonObject job)
    {
        var conditions = (job["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        bool Has(string t) => conditions.Any(c => c["type"]?.GetValue<string>() == t && c["status"]?.GetValue<string>() == "True");
        return Has("Complete") ? "Complete" : Has("Failed") ? "Failed" : Has("Suspended") ? "Suspended" : "Running";
    }

    private JsonNode JobDuration(JsonObject job)
    {
        if (job["status"]?["startTime"]?.GetValue<string>() is not { } start ||
            !DateTimeOffset.TryParse(start, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var started))
        {
            return "";
        }

        var end = job["status"]?["completionTime"]?.GetValue<string>() is { } completion &&
                  DateTimeOffset.TryParse(completion, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var finished)
            ? finished
            : time.GetUtcNow();
        return HumanDuration.Format(end - started);
    }
}
