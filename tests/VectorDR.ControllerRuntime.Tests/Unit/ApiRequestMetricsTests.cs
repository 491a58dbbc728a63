using VectorDR.ControllerRuntime.Metrics;

namespace VectorDR.ControllerRuntime.Tests.Unit;

public sealed class ApiRequestMetricsTests
{
    [Theory]
    [InlineData("GET", "/apis/batch/v1/namespaces/ns/jobs", "list", "jobs")]
    [InlineData("GET", "/apis/batch/v1/namespaces/ns/jobs?watch=true&resourceVersion=5", "watch", "jobs")]
    [InlineData("GET", "/apis/batch/v1/jobs?watch=1", "watch", "jobs")]
    [InlineData("GET", "/api/v1/namespaces/ns/pods?labelSelector=job-name%3Dx", "list", "pods")]
    [InlineData("GET", "/api/v1/namespaces/ns/secrets/qdrant", "get", "secrets")]
    [InlineData("POST", "/apis/batch/v1/namespaces/ns/jobs", "create", "jobs")]
    [InlineData("PUT", "/apis/dr.vectordr.io/v1alpha1/namespaces/ns/backuppolicies/p/status", "update", "backuppolicies/status")]
    [InlineData("PATCH", "/apis/batch/v1/namespaces/ns/jobs/p-202611240000", "patch", "jobs")]
    [InlineData("PUT", "/apis/coordination.k8s.io/v1/namespaces/ns/leases/vectordr-operator-leader", "update", "leases")]
    [InlineData("DELETE", "/apis/batch/v1/namespaces/ns/jobs/x", "delete", "jobs")]
    [InlineData("DELETE", "/apis/batch/v1/namespaces/ns/jobs", "deletecollection", "jobs")]
    [InlineData("GET", "/api/v1/namespaces", "list", "namespaces")]
    [InlineData("GET", "/api/v1/namespaces/ns", "get", "namespaces")]
    [InlineData("POST", "/apis/events.k8s.io/v1/namespaces/ns/events", "create", "events")]
    [InlineData("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", "list", "customresourcedefinitions")]
    public void Requests_are_named_by_kubernetes_verb_and_resource(string method, string path, string verb, string resource)
    {
        var classified = ApiRequestMetricsHandler.Classify(new HttpMethod(method), new Uri("https://127.0.0.1:6443" + path));
        Assert.Equal((verb, resource), classified);
    }

    [Fact]
    public async Task Each_request_sent_through_the_handler_is_counted_once()
    {
        using var client = new HttpClient(new ApiRequestMetricsHandler { InnerHandler = new NoContent() });
        var counter = ApiRequestMetricsHandler.Requests.WithLabels("create", "widgets");
        var before = counter.Value;

        await client.PostAsync("http://127.0.0.1:1/apis/example.io/v1/namespaces/ns/widgets", null);
        await client.PostAsync("http://127.0.0.1:1/apis/example.io/v1/namespaces/ns/widgets", null);

        Assert.Equal(before + 2, counter.Value);
    }

    private sealed class NoContent : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.NoContent));
    }
}
