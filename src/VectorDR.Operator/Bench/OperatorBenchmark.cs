using System.Diagnostics;
using System.Net;
using System.Text.Json;
using k8s;
using k8s.Models;
using VectorDR.ControllerRuntime.Client;
using VectorDR.ControllerRuntime.Entities;
using VectorDR.ControllerRuntime.Events;
using VectorDR.ControllerRuntime.Schema;
using VectorDR.Operator.Entities;
using VectorDR.Operator.Hosting;

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
        await PrepareAsync(bench, options, ct);

        var counter = new CountingHandler();
        var app = OperatorHost.Build(
        [
            "--Urls=http://127.0.0.1:0",
            "--Logging:LogLevel:Default=Warning",
            "--Operator:Workers=4",
            "--Operator:LeaderElection:LeaseNamespace=" + options.Namespace,
        ], b => b.Services.AddSingleton<IKubernetes>(new Kubernetes(config, counter)));
        await app.StartAsync(ct);
        try
        {
            var started = Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(0, options.Policies), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
                async (i, token) => await bench.CreateAsync(Policy(options.Namespace, i), token));
            log.WriteLine($"created {options.Policies} policies in {started.Elapsed.TotalSeconds:F1}s");

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.Timeout);
            while (true)
            {
                var list = await bench.ListAsync<BackupPolicy>(options.Namespace, null, timeout.Token);
                var ready = list.Items.Count(p => Conditions.Find(p.Status.Conditions, "Ready")?.Status == ConditionStatus.True);
                if (ready == options.Policies) break;
                // Listing N policies is itself load on the server: poll gently.
                await Task.Delay(TimeSpan.FromSeconds(1), timeout.Token);
            }
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
            using var process = Process.GetCurrentProcess();
            process.Refresh();
            return new BenchResult(
                options.Policies,
                Math.Round(untilReady.TotalSeconds, 2),
                Math.Round(process.PeakWorkingSet64 / 1048576.0, 1),
                Math.Round(process.WorkingSet64 / 1048576.0, 1),
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
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    public static async Task<int> MainAsync(string[] args)
    {
        string? Arg(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }
        var options = new BenchOptions
        {
            Policies = int.Parse(Arg("--policies") ?? "1000", System.Globalization.CultureInfo.InvariantCulture),
            Idle = TimeSpan.FromSeconds(double.Parse(Arg("--idle-seconds") ?? "60", System.Globalization.CultureInfo.InvariantCulture)),
        };
        var config = Arg("--kubeconfig") is { } path
            ? KubernetesClientConfiguration.BuildConfigFromConfigFile(path)
            : KubernetesClientConfiguration.BuildDefaultConfig();
        var result = await RunAsync(config, options, Console.Out, CancellationToken.None);
        Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    private static async Task PrepareAsync(KubeApiClient client, BenchOptions options, CancellationToken ct)
    {
        foreach (var crd in new[] { typeof(BackupPolicy), typeof(RestoreRequest), typeof(FailoverPlan) }.Select(CrdGenerator.Generate))
            await CreateIfMissingAsync(() => client.CreateAsync(crd, ct));
        await CreateIfMissingAsync(() => client.CreateAsync(new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = options.Namespace } }, ct));
        await CreateIfMissingAsync(() => client.CreateAsync(new V1Secret
        {
            ApiVersion = "v1", Kind = "Secret",
            Metadata = new V1ObjectMeta { Name = "qdrant", NamespaceProperty = options.Namespace },
            Data = new Dictionary<string, byte[]> { ["api-key"] = "YmVuY2g="u8.ToArray() },
        }, ct));
    }

    private static async Task CreateIfMissingAsync<T>(Func<Task<T>> create)
    {
        try
        {
            await create();
        }
        catch (KubeApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
        {
        }
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

    /// <summary>Counts the operator's requests by kind (lease, watch open, other).</summary>
    private sealed class CountingHandler : DelegatingHandler
    {
        private long _lease, _watch, _other;
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _others = new();

        /// <summary>Requests that are neither lease nor watch, by method and resource (what an idle operator should not send).</summary>
        public IReadOnlyDictionary<string, long> Others() => new SortedDictionary<string, long>(_others);

        public long Total => Interlocked.Read(ref _lease) + Interlocked.Read(ref _watch) + Interlocked.Read(ref _other);

        public (long Total, long Lease, long Watch, long Other) Snapshot()
        {
            var (l, w, o) = (Interlocked.Read(ref _lease), Interlocked.Read(ref _watch), Interlocked.Read(ref _other));
            return (l + w + o, l, w, o);
        }

        public void Reset()
        {
            Interlocked.Exchange(ref _lease, 0);
            Interlocked.Exchange(ref _watch, 0);
            Interlocked.Exchange(ref _other, 0);
            _others.Clear();
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri?.ToString() ?? "";
            if (uri.Contains("/leases/", StringComparison.Ordinal)) Interlocked.Increment(ref _lease);
            else if (uri.Contains("watch=true", StringComparison.Ordinal)) Interlocked.Increment(ref _watch);
            else
            {
                Interlocked.Increment(ref _other);
                var path = request.RequestUri?.AbsolutePath ?? "";
                var resource = path.EndsWith("/status", StringComparison.Ordinal) ? "status" : path.Split('/').Reverse().Skip(1).FirstOrDefault() ?? path;
                _others.AddOrUpdate($"{request.Method} {resource}", 1, (_, n) => n + 1);
            }
            return base.SendAsync(request, cancellationToken);
        }
    }
}
