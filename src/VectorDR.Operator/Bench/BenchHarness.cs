using System.Diagnostics;
using System.Globalization;
using System.Net;
using k8s;
using k8s.Models;
using VectorDR.ControllerRuntime.Client;
using VectorDR.ControllerRuntime.Entities;
using VectorDR.ControllerRuntime.Schema;
using VectorDR.Operator.Entities;
using VectorDR.Operator.Hosting;

namespace VectorDR.Operator.Bench;

/// <summary>
/// What the operator benchmarks share: arguments, the API objects policies need, the operator host in this process
/// (so the process's RSS is the operator's, plus the benchmark's small client), and creating policies and waiting for
/// them to be Ready.
/// </summary>
public static class BenchHarness
{
    public static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public static int IntArg(string[] args, string name, int fallback) =>
        Arg(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    public static double DoubleArg(string[] args, string name, double fallback) =>
        Arg(args, name) is { } text ? double.Parse(text, CultureInfo.InvariantCulture) : fallback;

    public static KubernetesClientConfiguration Config(string[] args) => Arg(args, "--kubeconfig") is { } path
        ? KubernetesClientConfiguration.BuildConfigFromConfigFile(path)
        : KubernetesClientConfiguration.BuildDefaultConfig();

    /// <summary>The CRDs (an emulator starts without them unless given --crds), the namespace and, optionally, the Qdrant API-key Secret.</summary>
    public static async Task PrepareAsync(KubeApiClient client, string ns, bool qdrantSecret, CancellationToken ct)
    {
        foreach (var crd in new[] { typeof(BackupPolicy), typeof(RestoreRequest), typeof(FailoverPlan) }.Select(CrdGenerator.Generate))
            await CreateIfMissingAsync(() => client.CreateAsync(crd, ct));
        await CreateIfMissingAsync(() => client.CreateAsync(new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = ns } }, ct));
        if (!qdrantSecret) return;
        await CreateIfMissingAsync(() => client.CreateAsync(new V1Secret
        {
            ApiVersion = "v1", Kind = "Secret",
            Metadata = new V1ObjectMeta { Name = "qdrant", NamespaceProperty = ns },
            Data = new Dictionary<string, byte[]> { ["api-key"] = "YmVuY2g="u8.ToArray() },
        }, ct));
    }

    public static async Task CreateIfMissingAsync<T>(Func<Task<T>> create)
    {
        try
        {
            await create();
        }
        catch (KubeApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
        {
        }
    }

    /// <summary>The operator as deployed (default workers, leader election on), its API traffic counted by <paramref name="counter"/>.</summary>
    /// <param name="logLevel">The operator's log level on stdout (its warnings would drown a report that counts the same things).</param>
    public static async Task<WebApplication> StartOperatorAsync(KubernetesClientConfiguration config, RequestCounter counter, string ns, CancellationToken ct,
        string logLevel = "Warning")
    {
        var app = OperatorHost.Build(
        [
            "--Urls=http://127.0.0.1:0",
            "--Logging:LogLevel:Default=" + logLevel,
            "--Operator:Workers=4",
            "--Operator:LeaderElection:LeaseNamespace=" + ns,
        ], b => b.Services.AddSingleton<IKubernetes>(new Kubernetes(config, counter)));
        await app.StartAsync(ct);
        return app;
    }

    public static async Task StopAsync(WebApplication app)
    {
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
    }

    public static Task CreatePoliciesAsync(KubeApiClient client, int count, Func<int, BackupPolicy> policy, CancellationToken ct) =>
        Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (i, token) => await client.CreateAsync(policy(i), token));

    public static async Task WaitAllReadyAsync(KubeApiClient client, string ns, int count, TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        while (true)
        {
            var list = await client.ListAsync<BackupPolicy>(ns, null, limit.Token);
            var ready = list.Items.Count(p => Conditions.Find(p.Status.Conditions, "Ready")?.Status == ConditionStatus.True);
            if (ready == count) return;
            // Listing N policies is itself load on the server: poll gently.
            await Task.Delay(TimeSpan.FromSeconds(1), limit.Token);
        }
    }

    /// <summary>The process's peak resident set (VmHWM) in MiB: the operator and the benchmark's client together.</summary>
    public static double PeakRssMiB()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return Math.Round(process.PeakWorkingSet64 / 1048576.0, 1);
    }

    /// <summary>CPU time this process used (operator and the benchmark's client), to tell an operator bottleneck from the API server's.</summary>
    public static double CpuSeconds()
    {
        using var process = Process.GetCurrentProcess();
        return Math.Round(process.TotalProcessorTime.TotalSeconds, 1);
    }

    public static double RssMiB()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return Math.Round(process.WorkingSet64 / 1048576.0, 1);
    }
}
