using System.Diagnostics;
using System.Text.Json;
using k8s;
using k8s.Models;
using VectorDR.ControllerRuntime.Client;
using VectorDR.ControllerRuntime.Entities;
using VectorDR.Operator.Entities;

namespace VectorDR.Operator.Bench;

public sealed record BenchOptions
{
    public int Policies { get; init; } = 1000;
    public TimeSpan Idle { get; init; } = TimeSpan.FromSeconds(60);
    public string Namespace { get; init; } = "vectordr-bench";
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);
}

public sealed record BenchResult(
    int Policies,
    double SecondsUntilAllReady,
    double PeakRssMiB,
    double RssAfterIdleMiB,
    double IdleSeconds,
    double IdleRequestsPerMinute,
    double IdleLeaseRequestsPerMinute,
    double IdleWatchOpensPerMinute,
    double IdleOtherRequestsPerMinute,
    long ReadyRequestsTotal,
    IReadOnlyDictionary<string, long> IdleOtherRequests);

/// <summary>
/// `vectordr-operator bench`: N BackupPolicies against an API server (the emulator), the operator in a process of its
/// own. Measures the time until every policy is Ready, the operator's peak RSS, and what the operator sends once idle
/// (the target: nothing beyond re-opened watches and lease renewals).
/// </summary>
public static class OperatorBenchmark
{
    public static async Task<BenchResult> RunAsync(string kubeconfig, BenchOptions options, TextWriter log, CancellationToken ct)
    {
        var bench = new KubeApiClient(new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig)));
        await BenchHarness.PrepareAsync(bench, options.Namespace, qdrantSecret: true, ct);

        await using var @operator = await OperatorProcess.StartAsync(kubeconfig, options.Namespace, "Warning", ct);
        var atStart = await @operator.RequestsAsync(ct);
        var started = Stopwatch.StartNew();
        await BenchHarness.CreatePoliciesAsync(bench, options.Policies, i => Policy(options.Namespace, i), ct);
        log.WriteLine($"created {options.Policies} policies in {started.Elapsed.TotalSeconds:F1}s");

        await BenchHarness.WaitAllReadyAsync(bench, options.Namespace, options.Policies, options.Timeout, ct);
        var untilReady = started.Elapsed;
        var readyRequests = (await @operator.RequestsAsync(ct)).Since(atStart).Total;
        log.WriteLine($"all {options.Policies} Ready after {untilReady.TotalSeconds:F1}s ({readyRequests} operator requests)");

        // Events and the last status writes are sent in the background: idle starts once the operator has sent nothing for 2 s.
        var idleFrom = await SettledAsync(@operator, TimeSpan.FromSeconds(2), ct);
        await Task.Delay(options.Idle, ct);
        var minutes = options.Idle.TotalMinutes;
        var idle = (await @operator.RequestsAsync(ct)).Since(idleFrom);
        return new BenchResult(
            options.Policies,
            Math.Round(untilReady.TotalSeconds, 2),
            @operator.PeakRssMiB(),
            @operator.RssMiB(),
            options.Idle.TotalSeconds,
            Math.Round(idle.Total / minutes, 1),
            Math.Round(idle.Lease / minutes, 1),
            Math.Round(idle.Watch / minutes, 1),
            Math.Round(idle.Other / minutes, 1),
            readyRequests,
            idle.Others());
    }

    private static async Task<ApiRequestCounts> SettledAsync(OperatorProcess @operator, TimeSpan quiet, CancellationToken ct)
    {
        var last = await @operator.RequestsAsync(ct);
        while (true)
        {
            await Task.Delay(quiet, ct);
            var now = await @operator.RequestsAsync(ct);
            if (now.Other == last.Other) return now;
            last = now;
        }
    }

    public static async Task<int> MainAsync(string[] args)
    {
        var options = new BenchOptions
        {
            Policies = BenchHarness.IntArg(args, "--policies", 1000),
            Idle = TimeSpan.FromSeconds(BenchHarness.DoubleArg(args, "--idle-seconds", 60)),
        };
        var result = await RunAsync(BenchHarness.KubeconfigPath(args), options, Console.Out, CancellationToken.None);
        Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    private static BackupPolicy Policy(string ns, int i) => new()
    {
        Metadata = new V1ObjectMeta { Name = $"policy-{i:D4}", NamespaceProperty = ns },
        Spec = new BackupPolicySpec
        {
            Source = new BackupSource { Qdrant = new QdrantEndpoint { Url = "http://qdrant:6333", ApiKeySecretRef = new SecretKeyReference { Name = "qdrant", Key = "api-key" } } },
            Schedule = $"{i % 60} * * * *",
            Storage = new StorageLocation { Location = $"s3://bench-bucket/policy-{i:D4}?region=us-east-1" },
        },
    };
}
