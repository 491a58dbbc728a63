using k8s.Models;
using VectorDR.ControllerRuntime.Entities;

namespace VectorDR.Operator.Tests.Integration;

/// <summary>
/// The chart's watchNamespaces: the operator gets Roles in the watched namespaces and its own (the lease) only, so it
/// must neither reconcile nor make a single request anywhere else. The emulator does not enforce RBAC; its request log
/// shows what a real API server would have refused.
/// </summary>
public sealed class WatchedNamespacesTests
{
    private const string Watched = "team-a";
    private const string Other = "team-b";
    private const string OperatorNamespace = "vectordr-system";

    [Fact]
    public async Task An_operator_watching_one_namespace_reconciles_only_there_and_requests_nothing_elsewhere()
    {
        await using var h = await OperatorHarness.StartAsync();
        foreach (var ns in new[] { Watched, Other, OperatorNamespace })
        {
            await h.Client.CreateAsync(new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = ns } }, CancellationToken.None);
        }

        await h.CreateSecretAsync(Other, "qdrant", "api-key");
        await h.CreatePolicyAsync("ignored", ns: Other);
        h.Emulator.RequestLog.Clear();

        await h.StartOperatorAsync("op-a", extraArgs: [$"--Operator:Namespaces:0={Watched}", $"--Operator:LeaderElection:LeaseNamespace={OperatorNamespace}"]);
        await h.CreateSecretAsync(Watched, "qdrant", "api-key");
        await h.CreatePolicyAsync("first", ns: Watched);
        await OperatorHarness.EventuallyAsync(async () => Ready(await h.GetPolicyAsync("first", Watched)) is not null,
            "the watched namespace's policy reconciled", TimeSpan.FromSeconds(30));
        // A second policy, created after the other namespace's, reconciled too: the other one had every chance.
        await h.CreatePolicyAsync("second", ns: Watched);
        await OperatorHarness.EventuallyAsync(async () => Ready(await h.GetPolicyAsync("second", Watched)) is { Status: ConditionStatus.True },
            "the watched namespace's second policy Ready", TimeSpan.FromSeconds(30));
        var requests = h.Emulator.Requests;

        var ignored = (await h.GetPolicyAsync("ignored", Other))!;
        Assert.Null(Ready(ignored));
        Assert.Empty(ignored.Metadata.Finalizers ?? []);
        Assert.Empty(await h.EventsAsync(Other));

        // Every request for a resource names the watched namespace or the operator's own; none is cluster-wide.
        var resourceRequests = requests.Where(r => r.Path.StartsWith("/api/", StringComparison.Ordinal) || r.Path.StartsWith("/apis/", StringComparison.Ordinal))
            .Where(r => r.Path.Count(c => c == '/') > 3) // not discovery (/api/v1, /apis/group/version)
            .ToList();
        Assert.NotEmpty(resourceRequests);
        var outside = resourceRequests
            .Where(r => !r.Path.Contains($"/namespaces/{Watched}/", StringComparison.Ordinal) && !r.Path.Contains($"/namespaces/{OperatorNamespace}/", StringComparison.Ordinal))
            .Select(r => $"{r.Method} {r.Path}{(r.IsWatch ? " (watch)" : "")}")
            .Distinct()
            .ToList();
        Assert.True(outside.Count == 0, "requests outside the watched namespaces:\n" + string.Join("\n", outside));
        Assert.Contains(resourceRequests, r => r.Path.Contains($"/namespaces/{OperatorNamespace}/leases/", StringComparison.Ordinal));
    }

    private static Condition? Ready(Entities.BackupPolicy? policy) => Conditions.Find(policy?.Status.Conditions, "Ready");
}
