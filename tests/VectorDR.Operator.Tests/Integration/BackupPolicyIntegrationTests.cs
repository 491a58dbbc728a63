using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using VectorDR.ControllerRuntime.Entities;
using static VectorDR.Operator.Tests.Integration.OperatorHarness;

namespace VectorDR.Operator.Tests.Integration;

[Collection("emulator")] // these tests start servers; run them one at a time on the shared 2 cores
public sealed class BackupPolicyIntegrationTests
{
    [Fact]
    public async Task Secret_created_after_the_policy_turns_it_Ready()
    {
        await using var h = await OperatorHarness.StartAsync();
        await h.StartOperatorAsync("a", leaderElection: false);
        await h.CreatePolicyAsync("p1");

        await EventuallyAsync(async () => (await h.ReadyAsync("p1"))?.Reason == "SecretNotFound", "p1 SecretNotFound");
        var notReady = (await h.ReadyAsync("p1"))!;
        Assert.Equal(ConditionStatus.False, notReady.Status);
        Assert.Equal("spec.source.qdrant.apiKeySecretRef: Secret \"qdrant\" not found", notReady.Message);

        await h.CreateSecretAsync("default", "qdrant", "api-key");
        await EventuallyAsync(async () => (await h.ReadyAsync("p1"))?.Status == ConditionStatus.True, "p1 Ready after the Secret appears");

        var policy = (await h.GetPolicyAsync("p1"))!;
        Assert.Equal(policy.Metadata.Generation, policy.Status.ObservedGeneration);
        Assert.NotNull(policy.Status.NextScheduleTime);
        // Defaults come from the schema, not from the controller.
        Assert.Equal("UTC", policy.Spec.TimeZone);
        Assert.Equal(10, policy.Spec.Verification.Probes);

        await EventuallyAsync(async () => (await h.EventsAsync()).Count == 2, "two events (written in the background)");
        var events = await h.EventsAsync();
        Assert.Contains(events, e => e.Reason == "SecretNotFound" && e.Type == "Warning" && e.InvolvedObject.Name == "p1");
        Assert.Contains(events, e => e.Reason == "Validated" && e.Type == "Normal" && e.InvolvedObject.Name == "p1");
    }

    [Fact]
    public async Task Health_readiness_and_metrics_endpoints()
    {
        await using var h = await OperatorHarness.StartAsync();
        var app = await h.StartOperatorAsync("a", leaderElection: false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(address) };

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        await EventuallyAsync(async () => (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, "ready once informers synced");

        await h.CreateSecretAsync("default", "qdrant", "api-key");
        await h.CreatePolicyAsync("p1");
        await EventuallyAsync(async () => (await h.ReadyAsync("p1"))?.Status == ConditionStatus.True, "p1 Ready");
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("controller_runtime_reconcile_total{controller=\"backuppolicy\"", metrics);
        Assert.Contains("controller_runtime_reconcile_time_seconds_bucket", metrics);
        Assert.Contains("workqueue_depth", metrics);
    }

    [Fact]
    public async Task Fixing_the_spec_clears_the_error()
    {
        await using var h = await OperatorHarness.StartAsync();
        await h.CreateSecretAsync("default", "qdrant", "api-key");
        await h.StartOperatorAsync("a", leaderElection: false);
        await h.CreatePolicyAsync("p1", schedule: "*/x * * * *");
        await EventuallyAsync(async () => (await h.ReadyAsync("p1"))?.Reason == "InvalidSchedule", "InvalidSchedule");
        Assert.StartsWith("spec.schedule: \"*/x * * * *\" is not a valid cron expression", (await h.ReadyAsync("p1"))!.Message);

        var policy = (await h.GetPolicyAsync("p1"))!;
        await h.Client.MergePatchAsync<Entities.BackupPolicy>("default", "p1", new { spec = new { schedule = "*/5 * * * *" } }, CancellationToken.None);
        await EventuallyAsync(async () => (await h.ReadyAsync("p1"))?.Status == ConditionStatus.True, "Ready after the fix");
        var fixedPolicy = (await h.GetPolicyAsync("p1"))!;
        Assert.Equal(policy.Metadata.Generation + 1, fixedPolicy.Status.ObservedGeneration);
        Assert.Equal("*/5 * * * *", fixedPolicy.Spec.Schedule);
    }
}

[CollectionDefinition("emulator", DisableParallelization = true)]
public sealed class EmulatorCollection;
