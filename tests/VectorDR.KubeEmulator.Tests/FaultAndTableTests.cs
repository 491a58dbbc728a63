using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using VectorDR.KubeEmulator.Jobs;

namespace VectorDR.KubeEmulator.Tests;

/// <summary>Fault hooks, the request log, Table output, and the Job runner seam.</summary>
public sealed class FaultAndTableTests : EmulatorTestBase
{
    private readonly RecordingJobRunner _runner = new();

    protected override KubeEmulatorOptions Options => base.Options with { JobRunner = _runner };

    [Fact]
    public async Task FailNextRequests_fails_exactly_that_many_with_a_Status_body()
    {
        Host.Faults.FailNextRequests(2, 503);
        for (var i = 0; i < 2; i++)
        {
            var failure = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ListNamespaceAsync());
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failure.Response.StatusCode);
            Assert.Contains("ServiceUnavailable", failure.Response.Content, StringComparison.Ordinal);
        }

        Assert.NotEmpty((await Client.CoreV1.ListNamespaceAsync()).Items);
    }

    [Fact]
    public async Task FailNextRequests_can_target_requests_by_path_and_query()
    {
        Host.Faults.FailNextRequests(1, 500, "watch=true");
        Assert.NotEmpty((await Client.CoreV1.ListNamespaceAsync()).Items);
        var response = await Http.GetAsync("/api/v1/namespaces?watch=true&timeoutSeconds=1");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Host.Faults.Reset();
    }

    [Fact]
    public async Task Delay_slows_every_request_until_reset()
    {
        Host.Faults.Delay(TimeSpan.FromMilliseconds(300));
        var watch = Stopwatch.StartNew();
        await Client.CoreV1.ListNamespaceAsync();
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(250), $"took {watch.Elapsed}");
        Host.Faults.Reset();
    }

    [Fact]
    public async Task The_request_log_records_method_path_and_watch_flag()
    {
        Host.RequestLog.Clear();
        await Client.CoreV1.ListNamespacedConfigMapAsync("default");
        await using (var watch = await WatchStream.OpenAsync(Http, "/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1"))
        {
            await watch.ReadLineAsync();
        }

        await Eventually(() => Task.FromResult(Host.Requests.Count == 2), "both requests to be logged");
        Assert.Contains(Host.Requests, r => r is { Method: "GET", Path: "/api/v1/namespaces/default/configmaps", IsWatch: false, StatusCode: 200 });
        Assert.Contains(Host.Requests, r => r is { IsWatch: true });
        Assert.Equal(2, Host.RequestLog.Total);
    }

    [Fact]
    public async Task Table_output_uses_printer_columns_for_custom_resources()
    {
        await CreateWidgetCrdAsync();
        await CreateWidgetAsync("t", new JsonObject { ["size"] = 3 });
        await SendAsync(HttpMethod.Patch, $"{Widgets}/t/status",
            JsonNode.Parse("""{"status":{"conditions":[{"type":"Other","status":"False"},{"type":"Ready","status":"True"}]}}"""), "application/merge-patch+json");
        var (status, table) = await SendAsync(HttpMethod.Get, Widgets, accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
        Assert.Equal(200, status);
        Assert.Equal("Table", table["kind"]!.GetValue<string>());
        Assert.Equal(["Name", "Size", "Mode", "Ready", "Age"], table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        var cells = table["rows"]![0]!["cells"]!.AsArray();
        Assert.Equal("t", cells[0]!.GetValue<string>());
        Assert.Equal(3, cells[1]!.GetValue<long>());
        Assert.Equal("Fast", cells[2]!.GetValue<string>());
        Assert.Equal("True", cells[3]!.GetValue<string>());
        Assert.EndsWith("s", cells[4]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("PartialObjectMetadata", table["rows"]![0]!["object"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Table_output_for_built_ins_has_kind_specific_columns()
    {
        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s" }, StringData = new Dictionary<string, string> { ["a"] = "b" } }, "default");
        var (_, table) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/secrets/s", accept: "application/json;as=Table;v=v1;g=meta.k8s.io");
        Assert.Equal(["Name", "Type", "Data", "Age"], table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal("Opaque", table["rows"]![0]!["cells"]![1]!.GetValue<string>());
    }

    [Fact]
    public async Task The_job_runner_is_told_about_created_and_deleted_jobs()
    {
        await Client.BatchV1.CreateNamespacedJobAsync(new V1Job
        {
            Metadata = new V1ObjectMeta { Name = "run-me" },
            Spec = new V1JobSpec { Template = new V1PodTemplateSpec { Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "c", Image = "i" }] } } },
        }, "default");
        await Eventually(() => Task.FromResult(_runner.Events.Contains("created default/run-me")), "the runner to see the job");
        await Eventually(async () => (await Client.BatchV1.ReadNamespacedJobAsync("run-me", "default")).Status?.Succeeded == 1, "the runner's status write");

        await Client.BatchV1.DeleteNamespacedJobAsync("run-me", "default", propagationPolicy: "Background");
        await Eventually(() => Task.FromResult(_runner.Events.Contains("deleted default/run-me")), "the runner to see the deletion");
    }

    private sealed class RecordingJobRunner : IJobRunner
    {
        public List<string> Events { get; } = [];

        public Task OnJobCreatedAsync(JsonObject job, IEmulatorCluster cluster, CancellationToken cancellationToken)
        {
            var name = job["metadata"]!["name"]!.GetValue<string>();
            var ns = job["metadata"]!["namespace"]!.GetValue<string>();
            lock (Events)
            {
                Events.Add($"created {ns}/{name}");
            }

            cluster.MergePatch("batch/v1", "jobs", ns, name, new JsonObject { ["status"] = new JsonObject { ["succeeded"] = 1 } }, status: true);
            return Task.CompletedTask;
        }

        public Task OnJobDeletedAsync(JsonObject job, IEmulatorCluster cluster, CancellationToken cancellationToken)
        {
            lock (Events)
            {
                Events.Add($"deleted {job["metadata"]!["namespace"]}/{job["metadata"]!["name"]}");
            }

            return Task.CompletedTask;
        }
    }
}
