using System.Diagnostics;
using System.Text.Json;
using k8s;
using k8s.Models;
using VectorDR.ControllerRuntime.Client;
using VectorDR.ControllerRuntime.Entities;
using VectorDR.ControllerRuntime.Events;
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
/// `vectordr-operator bench`: N BackupPolicies against an API server (the emulator), the operator in process.
/// Measures the time until every policy is Ready, the process's peak RSS, and what the operator sends once idle
/// (the target: nothing beyond re-opened watches and lease renewals).
/// </summary>
public static class OperatorBenchmark
{
    public static async Task<BenchResult> RunAsync(KubernetesClientConfiguration config, BenchOptions options, TextWriter log, CancellationToken ct)
    {
        var bench = new KubeApiClient(new Kubernetes(config));
        await BenchHarness.PrepareAsync(bench, options.Namespace, qdrantSecret: true, ct);

        var counter = new RequestCounter();
        var app = await BenchHarness.StartOperatorAsync(config, counter, options.Namespace, ct);
        try
        {
            var started = Stopwatch.StartNew();
            await BenchHarness.CreatePoliciesAsync(bench, options.Policies, i => Policy(options.Namespace, i), ct);
            log.WriteLine($"created {options.Policies} policies in {started.Elapsed.TotalSeconds:F1}s");

            await BenchHarness.WaitAllReadyAsync(bench, options.Namespace, options.Policies, options.Timeout, ct);
            var untilReady = started.Elapsed;
            var readyRequests = counter.Total;
            log.WriteLine($"all {options.Policies} Ready after {untilReady.TotalSeconds:F1}s ({readyRequests} operator requests)");

            // Events are written in the background: let them drain (and the last status writes land) before measuring idle traffic.
            if (app.Services.GetRequiredService<IEventPublisher>() is EventPublisher events) await events.FlushAsync(ct);
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            counter.Reset();
            await Task.Delay(options.Idle, ct);
            var minutes = options.Idle.TotalMinutes;
            var snapshot = counter.Snapshot();
            return new BenchResult(
                options.Policies,
                Math.Round(untilReady.TotalSeconds, 2),
                BenchHarness.PeakRssMiB(),
                BenchHarness.RssMiB(),
                options.Idle.TotalSeconds,
                Math.Round(snapshot.Total / minutes, 1),
                Math.Round(snapshot.Lease / minutes, 1),
                Math.Round(snapshot.Watch / minutes, 1),
                Math.Round(snapshot.Other / minutes, 1),
                readyRequests,
                counter.Others());
        }
        finally
        {
            await BenchHarness.StopAsync(app);
        }
    }

    public static async Task<int> MainAsync(string[] args)
    {
        var options = new BenchOptions
        {
            Policies = BenchHarness.IntArg(args, "--policies", 1000),
            Idle = TimeSpan.FromSeconds(BenchHarness.DoubleArg(args, "--idle-seconds", 60)),
        };
        var result = await RunAsync(BenchHarness.Config(args), options, Console.Out, CancellationToken.None);
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
