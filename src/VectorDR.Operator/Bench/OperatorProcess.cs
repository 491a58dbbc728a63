using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace VectorDR.Operator.Bench;

/// <summary>
/// The operator as deployed, in a process of its own (this executable without "bench"): its peak RSS and CPU are the
/// operator's alone, and its API requests are read from its own <c>/metrics</c>
/// (<c>vectordr_kube_api_requests_total</c>), so the benchmark's client, lists and watches are charged to nobody.
/// </summary>
public sealed class OperatorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _http;

    private OperatorProcess(Process process, HttpClient http)
    {
        _process = process;
        _http = http;
    }

    public int Id => _process.Id;

    /// <summary>Starts the operator (4 workers, leader election on, its lease in <paramref name="ns"/>) and waits until /readyz answers 200.</summary>
    /// <param name="logLevel">The operator's log level (its warnings would drown a report that counts the same things).</param>
    public static async Task<OperatorProcess> StartAsync(string kubeconfig, string ns, string logLevel, CancellationToken ct)
    {
        var port = FreeLoopbackPort();
        var start = new ProcessStartInfo(OperatorExecutable.Path) { UseShellExecute = false };
        foreach (var arg in OperatorExecutable.LeadingArgs) start.ArgumentList.Add(arg);
        foreach (var arg in new[]
                 {
                     "--kubeconfig", kubeconfig,
                     $"--Urls=http://127.0.0.1:{port}",
                     "--Logging:LogLevel:Default=" + logLevel,
                     // /readyz is polled until the informers sync; each "not yet" is logged as an error by ASP.NET Core.
                     "--Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks=None",
                     "--Operator:Workers=4",
                     "--Operator:LeaderElection:LeaseNamespace=" + ns,
                 })
            start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var running = new OperatorProcess(process, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) });
        try
        {
            await running.WaitReadyAsync(TimeSpan.FromSeconds(60), ct);
            return running;
        }
        catch
        {
            await running.DisposeAsync();
            throw;
        }
    }

    /// <summary>The operator's API requests so far, by "verb resource", from its /metrics.</summary>
    public async Task<ApiRequestCounts> RequestsAsync(CancellationToken ct) =>
        ApiRequestCounts.Parse(await _http.GetStringAsync("/metrics", ct));

    /// <summary>Bytes the operator's managed heap holds now (its <c>dotnet_total_memory_bytes</c>): what of the RSS is .NET objects.</summary>
    public async Task<double> ManagedHeapMiBAsync(CancellationToken ct)
    {
        var line = (await _http.GetStringAsync("/metrics", ct)).Split('\n').FirstOrDefault(l => l.StartsWith("dotnet_total_memory_bytes ", StringComparison.Ordinal));
        return line is null ? 0 : Math.Round(double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture) / 1048576.0, 1);
    }

    /// <summary>VmHWM of the operator's process, in MiB.</summary>
    public double PeakRssMiB()
    {
        _process.Refresh();
        return Math.Round(_process.PeakWorkingSet64 / 1048576.0, 1);
    }

    public double RssMiB()
    {
        _process.Refresh();
        return Math.Round(_process.WorkingSet64 / 1048576.0, 1);
    }

    /// <summary>What the resident set is made of (/proc/PID/status): anonymous (heaps), file-backed (mapped code), shared.</summary>
    public string RssBreakdown()
    {
        try
        {
            var fields = File.ReadAllLines($"/proc/{_process.Id}/status")
                .Where(l => l.StartsWith("Rss", StringComparison.Ordinal))
                .Select(l => l.Split(':', 2))
                .Select(kv => $"{kv[0][3..]} {long.Parse(kv[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024} MiB");
            return string.Join(", ", fields);
        }
        catch (IOException)
        {
            return "unavailable";
        }
    }

    public double CpuSeconds()
    {
        _process.Refresh();
        return Math.Round(_process.TotalProcessorTime.TotalSeconds, 1);
    }

    /// <summary>SIGTERM (the operator releases its lease and stops its workers), then SIGKILL after 15 s.</summary>
    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
                if (kill is not null) await kill.WaitForExitAsync();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        _process.Dispose();
    }

    private async Task WaitReadyAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"the operator exited with code {_process.ExitCode} before it was ready");
            try
            {
                using var response = await _http.GetAsync("/readyz", limit.Token);
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!limit.IsCancellationRequested)
            {
                // One slow answer; ask again.
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), limit.Token);
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>This executable, or `dotnet vectordr-operator.dll` when run through the dotnet host.</summary>
    private static class OperatorExecutable
    {
        public static string Path { get; } = Environment.ProcessPath ?? "dotnet";

        public static string[] LeadingArgs { get; } =
            System.IO.Path.GetFileNameWithoutExtension(Path) == "dotnet" ? [typeof(OperatorProcess).Assembly.Location] : [];
    }
}

/// <summary>The operator's API requests by "verb resource" (as in "update backuppolicies/status").</summary>
public sealed class ApiRequestCounts(IReadOnlyDictionary<string, long> byKind)
{
    private const string Metric = "vectordr_kube_api_requests_total";

    public IReadOnlyDictionary<string, long> ByKind { get; } = byKind;

    public long Total => ByKind.Values.Sum();

    /// <summary>Lease reads and renewals: leader election's steady cost.</summary>
    public long Lease => ByKind.Where(kv => kv.Key.EndsWith(" leases", StringComparison.Ordinal)).Sum(kv => kv.Value);

    public long Watch => ByKind.Where(kv => kv.Key.StartsWith("watch ", StringComparison.Ordinal)).Sum(kv => kv.Value);

    public long Other => Total - Lease - Watch;

    /// <summary>Requests that are neither lease nor watch, by kind: what an idle operator should not send.</summary>
    public IReadOnlyDictionary<string, long> Others() => new SortedDictionary<string, long>(
        ByKind.Where(kv => !kv.Key.EndsWith(" leases", StringComparison.Ordinal) && !kv.Key.StartsWith("watch ", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal);

    /// <summary>What was sent between <paramref name="earlier"/> and this reading.</summary>
    public ApiRequestCounts Since(ApiRequestCounts earlier) => new(ByKind
        .Select(kv => (kv.Key, Value: kv.Value - earlier.ByKind.GetValueOrDefault(kv.Key)))
        .Where(kv => kv.Value != 0)
        .ToDictionary(kv => kv.Key, kv => kv.Value));

    /// <summary>Reads <c>vectordr_kube_api_requests_total{verb="…",resource="…"} N</c> lines of the Prometheus text format.</summary>
    public static ApiRequestCounts Parse(string exposition)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in exposition.Split('\n'))
        {
            if (!line.StartsWith(Metric + "{", StringComparison.Ordinal)) continue;
            var close = line.LastIndexOf('}');
            var labels = line[(Metric.Length + 1)..close].Split(',')
                .Select(l => l.Split('=', 2))
                .ToDictionary(l => l[0].Trim(), l => l[1].Trim().Trim('"'));
            var value = double.Parse(line[(close + 1)..].Trim(), CultureInfo.InvariantCulture);
            counts[$"{labels["verb"]} {labels["resource"]}"] = (long)value;
        }
        return new ApiRequestCounts(counts);
    }
}
