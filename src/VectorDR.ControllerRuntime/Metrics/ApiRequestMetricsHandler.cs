using Prometheus;

namespace VectorDR.ControllerRuntime.Metrics;

/// <summary>
/// Counts every request the operator sends to the API server by Kubernetes verb and resource
/// (<c>vectordr_kube_api_requests_total{verb,resource}</c>), on the client's own HTTP pipeline: how an operator loads
/// its API server is the first question when it misbehaves, and the answer must not need an audit log.
/// </summary>
public sealed class ApiRequestMetricsHandler : DelegatingHandler
{
    public static readonly Counter Requests = Prometheus.Metrics.CreateCounter(
        "vectordr_kube_api_requests_total", "Requests sent to the Kubernetes API server, by verb (get, list, watch, create, update, patch, delete) and resource.",
        new CounterConfiguration { LabelNames = ["verb", "resource"] });

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var (verb, resource) = Classify(request.Method, request.RequestUri);
        Requests.WithLabels(verb, resource).Inc();
        return base.SendAsync(request, cancellationToken);
    }

    /// <summary>The Kubernetes verb and resource (with its subresource, as in "backuppolicies/status") of a request.</summary>
    public static (string Verb, string Resource) Classify(HttpMethod method, Uri? uri)
    {
        // The client sends absolute URIs only.
        var (path, query) = uri is { IsAbsoluteUri: true } ? (uri.AbsolutePath, uri.Query) : ("", "");
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        // After the group-version prefix (api/v1 or apis/GROUP/VERSION) and an optional namespaces/NS come
        // RESOURCE [NAME [SUBRESOURCE]]; "namespaces" alone is itself a resource.
        var start = segments.Length > 0 && segments[0] == "api" ? 2 : 3;
        var rest = segments.Skip(start).ToArray();
        if (rest.Length >= 3 && rest[0] == "namespaces") rest = rest[2..];
        var resource = rest.Length switch
        {
            0 => "unknown",
            >= 3 => rest[0] + "/" + rest[2],
            _ => rest[0],
        };
        var named = rest.Length >= 2;
        var verb = method.Method switch
        {
            "GET" when query.Contains("watch=true", StringComparison.Ordinal) || query.Contains("watch=1", StringComparison.Ordinal) => "watch",
            "GET" => named ? "get" : "list",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => named ? "delete" : "deletecollection",
            _ => method.Method.ToLowerInvariant(),
        };
        return (verb, resource);
    }
}
