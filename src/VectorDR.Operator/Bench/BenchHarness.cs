using System.Globalization;
using System.Net;
using k8s;
using k8s.Models;
using VectorDR.ControllerRuntime.Client;
using VectorDR.ControllerRuntime.Entities;
using VectorDR.ControllerRuntime.Schema;
using VectorDR.Operator.Entities;

namespace VectorDR.Operator.Bench;

/// <summary>
/// What the operator benchmarks share: arguments, the API objects policies need, and creating policies and waiting for
/// them to be Ready. The operator itself runs in a process of its own (<see cref="OperatorProcess"/>).
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

    /// <summary>--kubeconfig PATH, or KUBECONFIG: the benchmark's client and the operator's process both read it.</summary>
    public static string KubeconfigPath(string[] args) =>
        Arg(args, "--kubeconfig") ?? Environment.GetEnvironmentVariable("KUBECONFIG")
        ?? throw new ArgumentException("bench needs --kubeconfig PATH (or KUBECONFIG) of the API server to run against");

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
}
