using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using VectorDR.KubeEmulator.OpenApi;
using VectorDR.KubeEmulator.Selectors;
using VectorDR.KubeEmulator.Tables;

namespace VectorDR.KubeEmulator.Api;

/// <summary>
/// The HTTP face of the emulator: authentication, fault injection, request logging, and routing of discovery, OpenAPI
/// and resource paths (<c>/api/v1/...</c>, <c>/apis/group/version/...</c>) to the registry semantics.
/// </summary>
internal sealed class ApiHandler(
    ResourceRegistry registry,
    ResourceService resources,
    DiscoveryDocuments discovery,
    OpenApiDocuments openApi,
    TableConverter tables,
    WatchStreamer watches,
    EmulatorFaults faults,
    RequestLog log,
    string token,
    TimeSpan defaultWatchTimeout,
    Jobs.IPodLogSource? podLogs = null)
{
    public async Task HandleAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var request = context.Request;
        var path = request.Path.Value?.TrimEnd('/') ?? "";
        var isWatch = IsTrue(request.Query["watch"]);
        var cancellationToken = context.RequestAborted;
        try
        {
            if (path is "/healthz" or "/livez" or "/readyz")
            {
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("ok", cancellationToken);
                return;
            }

            if (!Authenticated(request))
            {
                throw new ApiException(401, "Unauthorized", "Unauthorized");
            }

            if (faults.CurrentDelay is { } delay && delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, cancellationToken);
            }

            if (faults.TryConsumeFailure(path + request.QueryString.Value, out var failure))
            {
                if (failure == 429)
                {
                    context.Response.Headers.RetryAfter = "1";
                }

                throw new ApiException(failure, StatusBodies.ReasonFor(failure), $"injected failure ({failure})");
            }

            await RouteAsync(context, path, isWatch, cancellationToken);
        }
        catch (ApiException e) when (!context.Response.HasStarted)
        {
            await WriteJsonAsync(context, e.Code, e.ToStatus(), cancellationToken);
        }
        catch (JsonException e) when (!context.Response.HasStarted)
        {
            await WriteJsonAsync(context, 400, StatusBodies.Failure(400, "BadRequest", $"json parse error: {e.Message}"), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client disconnected.
        }
        catch (Exception e) when (!context.Response.HasStarted && e is not OperationCanceledException)
        {
            // An emulator bug still answers like the API server does: a 500 Status naming the error.
            await WriteJsonAsync(context, 500, StatusBodies.Failure(500, "InternalError", $"Internal error occurred: {e.GetType().Name}: {e.Message}"), CancellationToken.None);
        }
        finally
        {
            log.Add(new RequestRecord(DateTimeOffset.UtcNow, request.Method, path, request.QueryString.Value ?? "", isWatch,
                context.Response.StatusCode, request.Headers.UserAgent.ToString(), Stopwatch.GetElapsedTime(started)));
        }
    }

    private bool Authenticated(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) &&
               System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[7..].Trim()), Encoding.UTF8.GetBytes(token));
    }

    private async Task RouteAsync(HttpContext context, string path, bool isWatch, CancellationToken cancellationToken)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var method = context.Request.Method;
        JsonObject? document = segments switch
        {
            ["version"] => discovery.Version(),
            ["api"] => discovery.CoreVersions($"{context.Request.Host.Host}:{context.Request.Host.Port}"),
            ["api", "v1"] => discovery.ResourceList("", "v1"),
            ["apis"] => discovery.GroupList(),
            ["apis", var group] => discovery.GroupDocument(group) ?? throw ApiException.PathNotFound(),
            ["apis", var group, var version] => discovery.ResourceList(group, version) ?? throw ApiException.PathNotFound(),
            ["openapi", "v3"] => openApi.Index(),
            _ => null,
        };
        if (document is not null)
        {
            RequireMethod(method, "GET");
            await WriteJsonAsync(context, 200, document, cancellationToken);
            return;
        }

        if (segments is ["openapi", "v2"] or ["swagger-2.0.0.pb-v1"])
        {
            RequireMethod(method, "GET");
            await OpenApiV2.WriteAsync(context, discovery.Version()["gitVersion"]!.GetValue<string>(), cancellationToken);
            return;
        }

        if (segments is ["openapi", "v3", .. var rest] && rest.Length > 0)
        {
            RequireMethod(method, "GET");
            var spec = openApi.Get(string.Join('/', rest)) ?? throw ApiException.PathNotFound();
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            context.Response.Headers.ETag = $"\"{spec.Hash}\"";
            if (context.Request.Query.ContainsKey("hash"))
            {
                context.Response.Headers.CacheControl = "public, immutable";
            }

            await context.Response.Body.WriteAsync(spec.Json, cancellationToken);
            return;
        }

        if (segments is ["api", "v1", "namespaces", var logNamespace, "pods", var podName, "log"])
        {
            RequireMethod(method, "GET");
            await WritePodLogAsync(context, logNamespace, podName, cancellationToken);
            return;
        }

        var route = ResourceRoute.Parse(segments, registry) ?? throw ApiException.PathNotFound();
        await HandleResourceAsync(context, route, isWatch, cancellationToken);
    }

    private async Task HandleResourceAsync(HttpContext context, ResourceRoute route, bool isWatch, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var query = request.Query;
        var type = route.Type;
        var options = new WriteOptions(query["dryRun"].ToString() == "All", FieldValidation(query["fieldValidation"].ToString()));
        var statusOnly = route.Subresource == "status";

        switch (request.Method)
        {
            case "GET" when route.Name is null || isWatch:
            {
                var labels = LabelSelector.Parse(query["labelSelector"]);
                var fieldSelector = query["fieldSelector"].ToString();
                if (route.Name is not null)
                {
                    fieldSelector = string.IsNullOrEmpty(fieldSelector) ? $"metadata.name={route.Name}" : $"{fieldSelector},metadata.name={route.Name}";
                }

                var fields = FieldSelector.Parse(fieldSelector, type);
                if (isWatch)
                {
                    var timeout = int.TryParse(query["timeoutSeconds"], out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds) : defaultWatchTimeout;
                    await watches.StreamAsync(context, new WatchRequest(type, route.Namespace, labels, fields, query["resourceVersion"],
                        IsTrue(query["allowWatchBookmarks"]), IsTrue(query["sendInitialEvents"]), timeout, WantsTable(request), query["includeObject"]), cancellationToken);
                    return;
                }

                var limit = int.TryParse(query["limit"], out var l) ? l : (int?)null;
                var list = resources.List(type, route.Namespace, labels, fields, limit, query["continue"]);
                await WriteJsonAsync(context, 200, ListBody(type, list, request), cancellationToken);
                return;
            }

            case "GET":
            {
                var obj = resources.Get(type, route.Namespace, route.Name!);
                var body = WantsTable(request) ? tables.Convert(type, [obj], Storage.Meta.ResourceVersion(obj) ?? "", null, query["includeObject"]) : obj;
                await WriteJsonAsync(context, 200, body, cancellationToken);
                return;
            }

            case "POST" when route.Name is null && route.Subresource is null:
            {
                var result = resources.Create(type, route.Namespace, await ReadObjectAsync(request, type, cancellationToken), options);
                await WriteResultAsync(context, result, cancellationToken);
                return;
            }

            case "PUT" when route.Name is not null:
            {
                var result = resources.Update(type, route.Namespace, route.Name, await ReadObjectAsync(request, type, cancellationToken), statusOnly, options);
                await WriteResultAsync(context, result, cancellationToken);
                return;
            }

            case "PATCH" when route.Name is not null:
            {
                var contentType = (request.ContentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
                var patch = await ReadNodeAsync(request, cancellationToken);
                if (contentType == "application/apply-patch+yaml")
                {
                    var applied = resources.Apply(type, route.Namespace, route.Name, patch as JsonObject ?? throw ApiException.BadRequest("the apply body must be an object"),
                        query["fieldManager"].ToString(), statusOnly, options);
                    await WriteResultAsync(context, applied, cancellationToken);
                    return;
                }

                var result = resources.Patch(type, route.Namespace, route.Name, contentType, patch, statusOnly, options);
                await WriteResultAsync(context, result, cancellationToken);
                return;
            }

            case "DELETE" when route.Name is not null && route.Subresource is null:
            {
                var result = resources.Delete(type, route.Namespace, route.Name, await ReadDeleteAsync(request, cancellationToken));
                await WriteResultAsync(context, result, cancellationToken);
                return;
            }

            case "DELETE" when route.Name is null:
            {
                var body = resources.DeleteCollection(type, route.Namespace, LabelSelector.Parse(query["labelSelector"]),
                    FieldSelector.Parse(query["fieldSelector"], type), await ReadDeleteAsync(request, cancellationToken));
                await WriteJsonAsync(context, 200, body, cancellationToken);
                return;
            }

            default:
                throw ApiException.MethodNotAllowed();
        }
    }

    /// <summary>The pods/log subresource: validates the pod and container as the API server does, then streams what the runner captured.</summary>
    private async Task WritePodLogAsync(HttpContext context, string ns, string name, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        var pod = resources.Get(registry.Find("", "v1", "pods")!, ns, name);
        List<string> Names(string list) => (pod["spec"]?[list] as JsonArray)?.Select(c => c?["name"]?.GetValue<string>() ?? "").ToList() ?? [];
        var containers = Names("containers");

        // As the API server's validateContainer: any container of the pod may be named (init and ephemeral ones too);
        // without a name, the only regular container is the default, and several need a choice.
        List<string> all = [.. Names("initContainers"), .. containers, .. Names("ephemeralContainers")];
        var container = query["container"].ToString();
        if (container.Length == 0)
        {
            container = containers.Count switch
            {
                1 => containers[0],
                0 => throw ApiException.BadRequest($"a container name must be specified for pod {name}"),
                _ => throw ApiException.BadRequest($"a container name must be specified for pod {name}, choose one of: [{string.Join(' ', all)}]"),
            };
        }
        else if (!all.Contains(container))
        {
            throw ApiException.BadRequest($"container {container} is not valid for pod {name}");
        }

        long? Positive(string key) => long.TryParse(query[key], out var value) ? value >= 0 ? value : throw ApiException.BadRequest($"{key}: Invalid value: {value}: must be greater than or equal to 0") : null;
        var request = new Jobs.PodLogRequest(ns, name, Storage.Meta.Uid(pod) ?? "", container, IsTrue(query["follow"]), IsTrue(query["previous"]),
            Positive("tailLines"), Positive("limitBytes"));
        if (podLogs is null)
        {
            throw ApiException.BadRequest($"container \"{container}\" in pod \"{name}\" is waiting to start: ContainerCreating");
        }

        // Buffered until the first byte so that "no log" still becomes a 400 Status; a follow stream flushes as it goes.
        var output = new FirstWriteStartsResponse(context);
        try
        {
            await podLogs.WriteLogAsync(request, output, cancellationToken);
        }
        catch (Jobs.PodLogUnavailableException e) when (!context.Response.HasStarted)
        {
            throw ApiException.BadRequest(e.Message);
        }

        await output.CompleteAsync(cancellationToken);
    }

    /// <summary>A response body that sets 200 text/plain on the first write and flushes each write (for <c>follow</c>).</summary>
    private sealed class FirstWriteStartsResponse(HttpContext context) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public async Task CompleteAsync(CancellationToken cancellationToken)
        {
            if (!context.Response.HasStarted)
            {
                Start();
                await context.Response.StartAsync(cancellationToken);
            }
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!context.Response.HasStarted)
            {
                Start();
            }

            await context.Response.Body.WriteAsync(buffer, cancellationToken);
            await context.Response.Body.FlushAsync(cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        private void Start()
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "text/plain";
        }
    }

    private JsonObject ListBody(ResourceType type, ListResult list, HttpRequest request)
    {
        if (WantsTable(request))
        {
            return tables.Convert(type, list.Items, list.ResourceVersion, list.Continue, request.Query["includeObject"]);
        }

        var metadata = new JsonObject { ["resourceVersion"] = list.ResourceVersion };
        if (list.Continue is not null)
        {
            metadata["continue"] = list.Continue;
        }

        if (request.Headers.Accept.ToString().Contains("as=PartialObjectMetadataList", StringComparison.Ordinal))
        {
            return new JsonObject
            {
                ["kind"] = "PartialObjectMetadataList",
                ["apiVersion"] = "meta.k8s.io/v1",
                ["metadata"] = metadata,
                ["items"] = new JsonArray(list.Items.Select(o => (JsonNode)new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = o["metadata"]?.DeepClone(),
                }).ToArray()),
            };
        }

        return new JsonObject
        {
            ["kind"] = type.ListKind,
            ["apiVersion"] = type.ApiVersion,
            ["metadata"] = metadata,
            ["items"] = new JsonArray(list.Items.Select(o => (JsonNode)o.DeepClone()).ToArray()),
        };
    }

    private static async Task WriteResultAsync(HttpContext context, WriteResult result, CancellationToken cancellationToken)
    {
        foreach (var warning in result.Warnings)
        {
            context.Response.Headers.Append("Warning", $"299 - \"{warning.Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
        }

        await WriteJsonAsync(context, result.StatusCode, result.Body, cancellationToken);
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, JsonNode body, CancellationToken cancellationToken)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(JsonWire.Serialize(body), cancellationToken);
    }

    private static async Task<JsonNode?> ReadNodeAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if ((request.ContentType ?? "").Contains("protobuf", StringComparison.OrdinalIgnoreCase))
        {
            throw ApiException.UnsupportedMediaType(request.ContentType!);
        }

        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(cancellationToken);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if ((request.ContentType ?? "").Contains("yaml", StringComparison.OrdinalIgnoreCase))
        {
            var documents = Yaml.ParseDocuments(text);
            return documents.Count > 0 ? documents[0] : null;
        }

        return JsonNode.Parse(text);
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpRequest request, ResourceType type, CancellationToken cancellationToken)
    {
        if ((request.ContentType ?? "").StartsWith("application/vnd.kubernetes.protobuf", StringComparison.OrdinalIgnoreCase))
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, cancellationToken);
            return Protobuf.KubeProtobuf.Decode(buffer.ToArray(), type);
        }

        return await ReadNodeAsync(request, cancellationToken) as JsonObject ?? throw ApiException.BadRequest("the request body must be a JSON object");
    }

    private static async Task<DeleteRequest> ReadDeleteAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var body = await ReadNodeAsync(request, cancellationToken) as JsonObject;
        var query = request.Query;
        var policyText = body?["propagationPolicy"]?.GetValue<string>() ?? query["propagationPolicy"].ToString();
        Propagation? policy = policyText switch
        {
            "Background" => Propagation.Background,
            "Foreground" => Propagation.Foreground,
            "Orphan" => Propagation.Orphan,
            "" or null => null,
            _ => throw ApiException.BadRequest($"propagationPolicy: Unsupported value: \"{policyText}\""),
        };
        var orphan = body?["orphanDependents"]?.GetValue<bool>() ?? (bool.TryParse(query["orphanDependents"], out var o) ? o : (bool?)null);
        policy ??= orphan switch { true => Propagation.Orphan, false => Propagation.Background, null => null };
        var dryRun = body?["dryRun"] is JsonArray dry && dry.Any(d => d?.GetValue<string>() == "All") || query["dryRun"].ToString() == "All";
        return new DeleteRequest(policy, body?["preconditions"]?["uid"]?.GetValue<string>(), body?["preconditions"]?["resourceVersion"]?.GetValue<string>(), dryRun);
    }

    private static string FieldValidation(string value) => value switch
    {
        "" => "Warn",
        "Ignore" or "Warn" or "Strict" => value,
        _ => throw ApiException.BadRequest($"fieldValidation: Unsupported value: \"{value}\": supported values: \"Ignore\", \"Strict\", \"Warn\""),
    };

    private static bool WantsTable(HttpRequest request) => request.Headers.Accept.ToString().Contains("as=Table", StringComparison.Ordinal);

    private static void RequireMethod(string method, string expected)
    {
        if (method != expected)
        {
            throw ApiException.MethodNotAllowed();
        }
    }

    private static bool IsTrue(Microsoft.Extensions.Primitives.StringValues value) => value.ToString() is "1" or "true" or "True";
}

/// <summary>A parsed resource path: <c>/api/v1/namespaces/ns/secrets/name/status</c> and friends.</summary>
internal sealed record ResourceRoute(ResourceType Type, string? Namespace, string? Name, string? Subresource)
{
    public static ResourceRoute? Parse(string[] segments, ResourceRegistry registry)
    {
        string group, version;
        string[] rest;
        if (segments is ["api", var coreVersion, .. var coreRest])
        {
            (group, version, rest) = ("", coreVersion, coreRest);
        }
        else if (segments is ["apis", var g, var v, .. var groupRest])
        {
            (group, version, rest) = (g, v, groupRest);
        }
        else
        {
            return null;
        }

        string? ns = null;
        if (rest is ["namespaces", var namespaceName, var next, ..] && next is not ("status" or "finalize"))
        {
            ns = namespaceName;
            rest = rest[2..];
        }

        if (rest.Length is 0 or > 3)
        {
            return null;
        }

        var type = registry.Find(group, version, rest[0]);
        if (type is null)
        {
            return null;
        }

        var name = rest.Length > 1 ? rest[1] : null;
        var subresource = rest.Length > 2 ? rest[2] : null;
        if (type.Namespaced && ns is null && name is not null)
        {
            return null;
        }

        if (!type.Namespaced && ns is not null)
        {
            return null;
        }

        if (subresource is not null && !(subresource == "status" && type.HasStatusSubresource) && !(subresource == "finalize" && type.Resource == "namespaces"))
        {
            return null;
        }

        return new ResourceRoute(type, ns, name, subresource == "finalize" ? "status" : subresource);
    }
}
