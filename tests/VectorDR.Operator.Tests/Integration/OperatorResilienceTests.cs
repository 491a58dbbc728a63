using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics;
using VectorDR.ControllerRuntime.Entities;
using static VectorDR.Operator.Tests.Integration.OperatorHarness;

namespace VectorDR.Operator.Tests.Integration;

[Collection("emulator")]
public sealed class OperatorResilienceTests
{
    [Fact]
    public async Task Reconnects_after_the_server_drops_every_watch()
    {
        await using var h = await OperatorHarness.StartAsync();
        await h.CreateSecretAsync("default", "qdrant", "api-key");
        await h.StartOperatorAsync("a", leaderElection: false);
        await h.CreatePolicyAsync("before");
        await EventuallyAsync(async () => (await h.ReadyAsync("before"))?.Status == ConditionStatus.True, "first policy Ready");

        h.Emulator.Faults.DropAllWatches();
        await h.CreatePolicyAsync("after");
        await EventuallyAsync(async () => (await h.ReadyAsync("after"))?.Status == ConditionStatus.True, "policy created after the drop Ready");
    }

    [Fact]
    public async Task Relists_after_410_Gone()
    {
        await using var h = await OperatorHarness.StartAsync();
        await h.CreateSecretAsync("default", "qdrant", "api-key");
        await h.StartOperatorAsync("a", leaderElection: false);
        await h.CreatePolicyAsync("before");
        await EventuallyAsync(async () => (await h.ReadyAsync("before"))?.Status == ConditionStatus.True, "first policy Ready");

        var listsBefore = h.Emulator.Requests.Count(r => !r.IsWatch && r.Method == "GET" && r.Path.EndsWith("/backuppolicies", StringComparison.Ordinal));
        // Changes land while the informer is disconnected, then history is compacted: resuming from the old
        // resourceVersion answers 410 and only a re-list can bring the cache back.
        h.Emulator.Faults.FailNextRequests(1000, 503, "watch=true");
        h.Emulator.Faults.DropAllWatches();
        await h.CreatePolicyAsync("while-away");
        h.Emulator.Faults.CompactHistory();
        h.Emulator.Faults.Reset();

        await EventuallyAsync(async () => (await h.ReadyAsync("while-away"))?.Status == ConditionStatus.True, "policy created while away Ready", TimeSpan.FromSeconds(30));
        var listsAfter = h.Emulator.Requests.Count(r => !r.IsWatch && r.Method == "GET" && r.Path.EndsWith("/backuppolicies", StringComparison.Ordinal));
        Assert.True(listsAfter > listsBefore, "expected a re-list of backuppolicies after 410 Gone");
    }

    [Fact]
    public async Task Restart_reconciles_everything_once_without_duplicate_events_or_writes()
    {
        await using var h = await OperatorHarness.StartAsync();
        await h.CreateSecretAsync("default", "qdrant", "api-key");
        var first = await h.StartOperatorAsync("a", leaderElection: false);
        foreach (var name in new[] { "p1", "p2", "p3" }) await h.CreatePolicyAsync(name);
        await h.CreatePolicyAsync("broken", apiKeySecret: "missing");
        await EventuallyAsync(async () => (await h.ReadyAsync("p3"))?.Status == ConditionStatus.True
                                          && (await h.ReadyAsync("broken"))?.Reason == "SecretNotFound", "all reconciled");
        await EventuallyAsync(async () => (await h.EventsAsync()).Count == 4, "one event per policy");
        var events = (await h.EventsAsync()).Select(e => (e.Metadata.Name, e.Count)).OrderBy(e => e.Name).ToList();
        await h.StopOperatorAsync(first);

        h.Emulator.RequestLog.Clear();
        var second = await h.StartOperatorAsync("b", leaderElection: false);
        var informers = second.Services.GetRequiredService<VectorDR.ControllerRuntime.Informers.InformerFactory>();
        await EventuallyAsync(() => Task.FromResult(informers.AllSynced), "second instance synced");
        await Task.Delay(1500); // every key reconciled by now; nothing may have been written

        var writes = h.Emulator.Requests.Where(r => r.Method is "PUT" or "POST" or "PATCH").Select(r => $"{r.Method} {r.Path}").ToList();
        Assert.True(writes.Count == 0, "writes after restart: " + string.Join(", ", writes));
        Assert.Equal(events, (await h.EventsAsync()).Select(e => (e.Metadata.Name, e.Count)).OrderBy(e => e.Name).ToList());
    }

    [Fact]
    public async Task Only_the_leader_reconciles_and_the_standby_takes_over_within_the_lease()
    {
        var lease = TimeSpan.FromSeconds(3);
        await using var h = await OperatorHarness.StartAsync();
        await h.CreateSecretAsync("default", "qdrant", "api-key");
        var a = await h.StartOperatorAsync("a", lease);
        await EventuallyAsync(() => Task.FromResult(IsLeader(a)), "a leads");
        var b = await h.StartOperatorAsync("b", lease);

        await h.CreatePolicyAsync("p1");
        await EventuallyAsync(async () => (await h.ReadyAsync("p1"))?.Status == ConditionStatus.True, "p1 Ready");
        await Task.Delay(500);
        Assert.True(IsLeader(a));
        Assert.False(IsLeader(b));
        // Status of p1 was written by a alone: b never sent a status write.
        var statusWrites = h.Emulator.Requests.Count(r => r.Method == "PUT" && r.Path.EndsWith("/status", StringComparison.Ordinal));
        Assert.Equal(1, statusWrites);

        var stopped = Stopwatch.StartNew();
        await h.StopOperatorAsync(a);
        await h.CreatePolicyAsync("p2");
        await EventuallyAsync(async () => (await h.ReadyAsync("p2"))?.Status == ConditionStatus.True, "p2 Ready via b", lease * 3);
        Assert.True(IsLeader(b));
        // The stopping leader releases the lease, so the standby does not wait for it to expire.
        Assert.True(stopped.Elapsed < lease, $"take-over took {stopped.Elapsed}");
    }

    [Fact]
    public async Task Standby_takes_over_within_the_lease_when_the_leader_dies_without_releasing()
    {
        var lease = TimeSpan.FromSeconds(2);
        await using var h = await OperatorHarness.StartAsync();
        await h.CreateSecretAsync("default", "qdrant", "api-key");
        var a = await h.StartOperatorAsync("a", lease);
        await EventuallyAsync(() => Task.FromResult(IsLeader(a)), "a leads");
        var b = await h.StartOperatorAsync("b", lease);
        await Task.Delay(300);

        // A crash: the leader stops renewing and never gives the lease back (lease writes from it fail).
        h.Emulator.Faults.FailNextRequests(int.MaxValue, 500, "/leases/");
        await EventuallyAsync(() => Task.FromResult(!IsLeader(a)), "a steps down when it cannot renew", lease * 3);
        h.Emulator.Faults.Reset();
        await h.StopOperatorAsync(a);
        await EventuallyAsync(() => Task.FromResult(IsLeader(b)), "b takes over", lease * 3);
        await h.CreatePolicyAsync("p1");
        await EventuallyAsync(async () => (await h.ReadyAsync("p1"))?.Status == ConditionStatus.True, "p1 Ready via b");
    }
}
