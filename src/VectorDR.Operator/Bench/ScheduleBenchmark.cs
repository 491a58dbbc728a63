using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using k8s;
using k8s.Models;
using VectorDR.ControllerRuntime.Client;
using VectorDR.Operator.Entities;
using VectorDR.Operator.Jobs;

namespace VectorDR.Operator.Bench;

public sealed record ScheduleBenchOptions
{
    public int Policies { get; init; } = 200;
    public int Minutes { get; init; } = 5;
    public string Namespace { get; init; } = "vectordr-bench";
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>One scheduled minute of the window: how many runs started and how late.</summary>
public sealed record MinuteLateness(DateTime Scheduled, int Runs, double P50Seconds, double MaxSeconds);

public sealed record ScheduleBenchResult(
    int Policies,
    int Minutes,
    DateTime WindowStart,
    DateTime WindowEnd,
    int ExpectedRuns,
    int BackupJobs,
    int Duplicates,
    int Missed,
    int Skipped,
    int RecordedSucceeded,
    int SyncJobs,
    int SyncSucceeded,
    int UnscheduledBackupJobs,
    double LatenessP50Seconds,
    double LatenessP99Seconds,
    double LatenessMaxSeconds,
    double SyncLatenessP99Seconds,
    IReadOnlyList<MinuteLateness> PerMinute,
    double PeakRssMiB,
    double RssMiB,
    string RssAtEnd,
    double ManagedHeapMiB,
    double WindowSeconds,
    double CpuSecondsInWindow,
    double RequestsPerMinute,
    double LeaseRequestsPerMinute,
    double WatchOpensPerMinute,
    double OtherRequestsPerMinute,
    IReadOnlyDictionary<string, long> WindowRequests,
    int WatchRestarts);

/// <summary>
/// `vectordr-operator bench schedule`: N BackupPolicies on a one-minute schedule, the operator in a process of its own,
/// Jobs finished at once by the emulator (`kube-emulator --instant-jobs`). For every scheduled minute of the window it checks that each
/// policy got exactly one backup Job, and how late it appeared. Lateness is measured from the scheduled time to the
/// moment this benchmark's own watch delivered the Job: an upper bound on the operator's lateness that includes the
/// API server's watch delivery (both clocks are this machine's).
/// </summary>
public static class ScheduleBenchmark
{
    private const string Schedule = "* * * * *";

    public static async Task<ScheduleBenchResult> RunAsync(string kubeconfig, ScheduleBenchOptions options, TextWriter log, CancellationToken ct)
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
        var bench = new KubeApiClient(new Kubernetes(config));
        // Filesystem locations and no API key: no policy references a Secret, so none is needed.
        await BenchHarness.PrepareAsync(bench, options.Namespace, qdrantSecret: false, ct);

        // The watch starts before the first policy exists: no Job can appear unseen.
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watcher = new JobWatcher(new KubeApiClient(new Kubernetes(config)), options.Namespace, log);
        await watcher.StartAsync(stopWatching.Token);

        // Skipped runs are logged as warnings by the operator: the report counts them, so only errors are printed.
        await using var @operator = await OperatorProcess.StartAsync(kubeconfig, options.Namespace, "Error", ct);
        try
        {
            var created = DateTimeOffset.UtcNow;
            await BenchHarness.CreatePoliciesAsync(bench, options.Policies, i => Policy(options.Namespace, i), ct);
            await BenchHarness.WaitAllReadyAsync(bench, options.Namespace, options.Policies, options.ReadyTimeout, ct);
            var ready = DateTimeOffset.UtcNow;
            log.WriteLine($"created {options.Policies} policies, all Ready after {(ready - created).TotalSeconds:F1}s (operator pid {@operator.Id})");

            // Every policy exists before the window opens, so each owes exactly one run per minute of it.
            var windowStart = NextMinute(ready);
            var windowEnd = windowStart.AddMinutes(options.Minutes);
            log.WriteLine($"window: {options.Minutes} scheduled minute(s) from {windowStart:HH:mm:ss}Z (waiting {(windowStart - ready).TotalSeconds:F0}s)");

            // Requests are counted over whole minutes: from just before the first occurrence to just before the one after the
            // window, so each minute's run (backup Job, its recording, the copy-and-prune Job) is charged once.
            await DelayUntil(windowStart.AddMilliseconds(-500), ct);
            var requestsFrom = await @operator.RequestsAsync(ct);
            var countFrom = DateTimeOffset.UtcNow;
            var cpuFrom = @operator.CpuSeconds();
            await DelayUntil(windowEnd.AddMilliseconds(-500), ct);
            var requests = (await @operator.RequestsAsync(ct)).Since(requestsFrom);
            var windowSeconds = (DateTimeOffset.UtcNow - countFrom).TotalSeconds;
            var cpuSeconds = @operator.CpuSeconds() - cpuFrom;

            await stopWatching.CancelAsync();
            await watcher.StoppedAsync();
            var policies = (await bench.ListAsync<BackupPolicy>(options.Namespace, null, ct)).Items;
            var perMinute = windowSeconds / 60;

            return Analyse(options, windowStart.UtcDateTime, windowEnd.UtcDateTime, watcher.Seen, policies) with
            {
                PeakRssMiB = @operator.PeakRssMiB(),
                RssMiB = @operator.RssMiB(),
                RssAtEnd = @operator.RssBreakdown(),
                ManagedHeapMiB = await @operator.ManagedHeapMiBAsync(ct),
                WindowSeconds = Math.Round(windowSeconds, 1),
                CpuSecondsInWindow = Math.Round(cpuSeconds, 1),
                RequestsPerMinute = Math.Round(requests.Total / perMinute, 1),
                LeaseRequestsPerMinute = Math.Round(requests.Lease / perMinute, 1),
                WatchOpensPerMinute = Math.Round(requests.Watch / perMinute, 1),
                OtherRequestsPerMinute = Math.Round(requests.Other / perMinute, 1),
                WindowRequests = requests.Others(),
                WatchRestarts = watcher.Restarts,
            };
        }
        finally
        {
            await stopWatching.CancelAsync();
            await watcher.StoppedAsync();
        }
    }

    public static async Task<int> MainAsync(string[] args)
    {
        var options = new ScheduleBenchOptions
        {
            Policies = BenchHarness.IntArg(args, "--policies", 200),
            Minutes = BenchHarness.IntArg(args, "--minutes", 5),
        };
        var result = await RunAsync(BenchHarness.KubeconfigPath(args), options, Console.Out, CancellationToken.None);
        Console.WriteLine(Summary(result));
        Console.WriteLine(JsonSerializer.Serialize(result));
        // Timing and memory are machine-dependent and only reported; a duplicate or a missed run is a correctness failure.
        return result.Duplicates == 0 && result.Missed == 0 ? 0 : 1;
    }

    private static ScheduleBenchResult Analyse(ScheduleBenchOptions options, DateTime windowStart, DateTime windowEnd, IReadOnlyCollection<SeenJob> seen,
        IReadOnlyList<BackupPolicy> policies)
    {
        var backups = seen.Where(j => j.Step == JobNames.BackupStep).ToList();
        var inWindow = backups.Where(j => j.Scheduled is { } s && s >= windowStart && s < windowEnd).ToList();
        var runs = inWindow.GroupBy(j => (j.Policy, Scheduled: j.Scheduled!.Value)).ToList();
        var lateness = runs.Select(r => (r.Key.Scheduled, Seconds: (r.Min(j => j.SeenAt) - r.Key.Scheduled).TotalSeconds)).ToList();

        var minutes = Enumerable.Range(0, options.Minutes).Select(m => windowStart.AddMinutes(m)).ToList();
        var names = Enumerable.Range(0, options.Policies).Select(PolicyName).ToList();
        var started = runs.Select(r => r.Key).ToHashSet();
        var missed = names.Sum(p => minutes.Count(m => !started.Contains((p, m))));

        var recent = policies.SelectMany(p => p.Status.RecentBackups ?? [])
            .Where(r => r.ScheduledTime is { } s && s >= windowStart && s < windowEnd).ToList();
        // A sync Job belongs to the run its label names; its lateness is that of the whole run up to copy-and-prune.
        var windowRuns = inWindow.GroupBy(j => j.Run).ToDictionary(g => g.Key, g => g.First().Scheduled!.Value);
        var syncs = seen.Where(j => j.Step == JobNames.SyncStep && windowRuns.ContainsKey(j.Run))
            .Select(j => (j.SeenAt - windowRuns[j.Run]).TotalSeconds).ToList();

        return new ScheduleBenchResult(
            options.Policies,
            options.Minutes,
            windowStart,
            windowEnd,
            options.Policies * options.Minutes,
            inWindow.Count,
            runs.Sum(r => r.Count() - 1),
            missed,
            recent.Count(r => r.Result == BackupRunResult.Skipped),
            recent.Count(r => r.Result == BackupRunResult.Succeeded),
            syncs.Count,
            recent.Count(r => r.Sync == BackupRunResult.Succeeded),
            backups.Count(j => j.Scheduled is null),
            Percentile(lateness.Select(l => l.Seconds), 0.50),
            Percentile(lateness.Select(l => l.Seconds), 0.99),
            Percentile(lateness.Select(l => l.Seconds), 1.00),
            Percentile(syncs, 0.99),
            minutes.Select(m => lateness.Where(l => l.Scheduled == m).Select(l => l.Seconds).ToList())
                .Select((l, i) => new MinuteLateness(minutes[i], l.Count, Percentile(l, 0.50), Percentile(l, 1.00))).ToList(),
            0, 0, "", 0, 0, 0, 0, 0, 0, 0, new Dictionary<string, long>(), 0);
    }

    private static string Summary(ScheduleBenchResult r)
    {
        var lines = new List<string>
        {
            $"bench-schedule: {r.Policies} policies on \"{Schedule}\", {r.Minutes} scheduled minute(s) {r.WindowStart:HH:mm}Z..{r.WindowEnd.AddMinutes(-1):HH:mm}Z: {r.ExpectedRuns} runs expected",
            $"  backup Jobs {r.BackupJobs}, duplicates {r.Duplicates} (target 0), missed {r.Missed} (target 0), skipped in status {r.Skipped}, backup Jobs without a scheduled time {r.UnscheduledBackupJobs}",
            $"  recorded Succeeded in status {r.RecordedSucceeded}, copy-and-prune Jobs {r.SyncJobs} (recorded Succeeded {r.SyncSucceeded})",
            $"  lateness (Job seen on the benchmark's watch - scheduled time; includes watch delivery): p50 {r.LatenessP50Seconds:F3}s, p99 {r.LatenessP99Seconds:F3}s, max {r.LatenessMaxSeconds:F3}s (target p99 < 2s)",
            $"  copy-and-prune Job seen - scheduled time: p99 {r.SyncLatenessP99Seconds:F3}s",
            "  per minute: " + string.Join(", ", r.PerMinute.Select(m => $"{m.Scheduled:HH:mm} {m.Runs} runs p50 {m.P50Seconds:F2}s max {m.MaxSeconds:F2}s")),
            $"  operator process: peak RSS (VmHWM) {r.PeakRssMiB:F1} MiB = {r.PeakRssMiB * 1.048576:F0} MB (target < 200 MB), RSS at the end {r.RssMiB:F1} MiB ({r.RssAtEnd}; managed heap {r.ManagedHeapMiB:F1} MiB)",
            $"  operator CPU in the window: {r.CpuSecondsInWindow:F1}s of {r.WindowSeconds:F0}s",
            $"  operator API requests over {r.WindowSeconds:F0}s: {r.RequestsPerMinute:F0}/min (lease {r.LeaseRequestsPerMinute:F0}, watch opens {r.WatchOpensPerMinute:F0}, other {r.OtherRequestsPerMinute:F0})",
            "  per minute by kind: " + string.Join(", ", r.WindowRequests.Select(kv => $"{kv.Key} {kv.Value / (r.WindowSeconds / 60):F0}")),
        };
        return string.Join('\n', lines);
    }

    private static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.OrderBy(v => v).ToList();
        if (sorted.Count == 0) return 0;
        // Nearest rank: the p99 of 1,000 runs is the 990th, an observed value, not an interpolation.
        var rank = (int)Math.Ceiling(p * sorted.Count);
        return Math.Round(sorted[Math.Clamp(rank, 1, sorted.Count) - 1], 3);
    }

    private static DateTimeOffset NextMinute(DateTimeOffset t) =>
        new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, TimeSpan.Zero).AddMinutes(1);

    private static async Task DelayUntil(DateTimeOffset when, CancellationToken ct)
    {
        var wait = when - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
    }

    private static string PolicyName(int i) => $"policy-{i:D4}";

    private static BackupPolicy Policy(string ns, int i) => new()
    {
        Metadata = new V1ObjectMeta { Name = PolicyName(i), NamespaceProperty = ns },
        Spec = new BackupPolicySpec
        {
            Source = new BackupSource { Qdrant = new QdrantEndpoint { Url = "http://qdrant:6333" } },
            Schedule = Schedule,
            Storage = new StorageLocation { Location = $"file:///bench/{PolicyName(i)}" },
        },
    };

    /// <summary>A Job as the benchmark's watch first delivered it.</summary>
    private sealed record SeenJob(string Uid, string Name, string? Step, string Run, string Policy, DateTime? Scheduled, DateTime SeenAt);

    /// <summary>Every Job of the namespace, first sighting only, from a list then a watch resumed across server timeouts.</summary>
    private sealed class JobWatcher(KubeApiClient client, string ns, TextWriter log)
    {
        private readonly ConcurrentDictionary<string, SeenJob> _seen = new();
        private Task _loop = Task.CompletedTask;
        private int _restarts;

        public IReadOnlyCollection<SeenJob> Seen => _seen.Values.ToList();

        public int Restarts => Volatile.Read(ref _restarts);

        public async Task StartAsync(CancellationToken ct)
        {
            var rv = await ListAsync(ct);
            _loop = Task.Run(() => LoopAsync(rv, ct), CancellationToken.None);
        }

        public async Task StoppedAsync()
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
        }

        private async Task LoopAsync(string rv, CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    var expired = false;
                    await foreach (var e in client.WatchAsync<V1Job>(ns, rv, 300, ct))
                    {
                        if (e.Kind == WatchEventKind.Error)
                        {
                            expired = true;
                            break;
                        }
                        if (e.Object is { } job) Record(job, DateTime.UtcNow);
                        rv = e.ResourceVersion ?? rv;
                    }
                    if (expired)
                    {
                        // History compacted: what was created meanwhile is seen now, late (it then shows as lateness, not as a miss).
                        Interlocked.Increment(ref _restarts);
                        rv = await ListAsync(ct);
                    }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is HttpRequestException or IOException or KubeApiException or JsonException)
                {
                    Interlocked.Increment(ref _restarts);
                    log.WriteLine($"job watch: {e.Message}; re-listing");
                    await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
                    rv = await ListAsync(ct);
                }
            }
        }

        private async Task<string> ListAsync(CancellationToken ct)
        {
            var list = await client.ListAsync<V1Job>(ns, null, ct);
            var now = DateTime.UtcNow;
            foreach (var job in list.Items) Record(job, now);
            return list.ResourceVersion;
        }

        private void Record(V1Job job, DateTime seenAt)
        {
            var meta = job.Metadata;
            if (meta?.Uid is not { } uid || _seen.ContainsKey(uid)) return;
            string? Label(string key) => meta.Labels is { } l && l.TryGetValue(key, out var v) ? v : null;
            var scheduled = meta.Annotations is { } a && a.TryGetValue(JobNames.ScheduledTimeAnnotation, out var text)
                && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)
                ? t : (DateTime?)null;
            var owner = meta.OwnerReferences?.FirstOrDefault(o => o.Controller == true)?.Name ?? Label(JobNames.PolicyLabel) ?? "";
            _seen.TryAdd(uid, new SeenJob(uid, meta.Name, Label(JobNames.StepLabel), Label(JobNames.RunLabel) ?? meta.Name, owner, scheduled, seenAt));
        }
    }
}
