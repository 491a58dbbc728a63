using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using VectorDR.KubeEmulator;

// kube-emulator --port N --kubeconfig-out PATH [--crds DIR] [--token T] [--image-map IMAGE=PATH]... [--instant-jobs]: runs in the foreground until killed.
var options = new KubeEmulatorOptions();
var images = new Dictionary<string, string>(StringComparer.Ordinal);
bool? jobRunner = null;
var instantJobs = false;
string? jobWorkDir = null;
TimeSpan? jobBackoff = null;
string? kubeconfigOut = null;
var crds = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--port":
            options = options with { Port = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) };
            break;
        case "--kubeconfig-out":
            kubeconfigOut = Next();
            break;
        case "--crds":
            crds.Add(Next());
            break;
        case "--token":
            options = options with { Token = Next() };
            break;
        case "--openapi-dir":
            options = options with { OpenApiDirectory = Next() };
            break;
        case "--image-map":
            var mapping = Next();
            var equals = mapping.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == mapping.Length - 1)
            {
                Console.Error.WriteLine($"--image-map needs IMAGE=PATH, got \"{mapping}\"");
                return 2;
            }

            images[mapping[..equals]] = Path.GetFullPath(mapping[(equals + 1)..]);
            break;
        case "--job-runner":
            jobRunner = true;
            break;
        case "--no-job-runner":
            jobRunner = false;
            break;
        case "--instant-jobs":
            instantJobs = true;
            break;
        case "--job-work-dir":
            jobWorkDir = Next();
            break;
        case "--job-backoff":
            jobBackoff = TimeSpan.FromSeconds(double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture));
            break;
        case "-h" or "--help":
            Console.WriteLine("usage: kube-emulator [--port N] [--kubeconfig-out PATH] [--crds DIR_OR_FILE]... [--token TOKEN] [--openapi-dir DIR]");
            Console.WriteLine("                     [--image-map IMAGE=PATH]... [--job-runner|--no-job-runner] [--job-work-dir DIR] [--job-backoff SECONDS]");
            Console.WriteLine("                     [--instant-jobs]");
            Console.WriteLine("  --image-map      run Jobs whose container image is IMAGE (with or without tag) with the local executable PATH;");
            Console.WriteLine("                   turns the local-process Job runner on (unless --no-job-runner)");
            Console.WriteLine("  --job-runner     run Jobs as local processes even without an image map (every pod then fails ImagePullBackOff");
            Console.WriteLine("                   unless its command is found on PATH)");
            Console.WriteLine("  --job-backoff    initial pod-failure and container-restart back-off in seconds (Kubernetes: 10)");
            Console.WriteLine("  --instant-jobs   every Job succeeds at once, no process: its pod's containers report results shaped like");
            Console.WriteLine("                   `vectordr backup|prune --json` (for benchmarks of the operator's scheduling)");
            return 0;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]} (try --help)");
            return 2;
    }
}

options = options with { CrdPaths = crds };
if (instantJobs)
{
    if (jobRunner == true || images.Count > 0)
    {
        Console.Error.WriteLine("--instant-jobs replaces the local-process Job runner: it cannot be combined with --job-runner or --image-map");
        return 2;
    }

    options = options with
    {
        JobRunner = new VectorDR.KubeEmulator.Jobs.InstantJobRunner { ContainerTerminationMessage = InstantResults.For },
    };
}
else if (jobRunner ?? images.Count > 0)
{
    var backoff = jobBackoff ?? TimeSpan.FromSeconds(10);
    options = options with
    {
        JobRunner = new VectorDR.KubeEmulator.Jobs.LocalProcessJobRunner(new VectorDR.KubeEmulator.Jobs.LocalProcessJobRunnerOptions
        {
            Images = images,
            WorkDirectory = jobWorkDir,
            PodFailureBackoff = backoff,
            ContainerRestartBackoff = backoff,
        }),
    };
}
using var stop = new CancellationTokenSource();

// SIGTERM (kill PID) and SIGINT (Ctrl+C) stop the server cleanly; the runtime's default termination is cancelled so
// the host can close watches and the listener first.
void OnSignal(System.Runtime.InteropServices.PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, OnSignal);
using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, OnSignal);

await using var host = await KubeEmulatorHost.StartAsync(options, stop.Token);
if (kubeconfigOut is not null)
{
    host.WriteKubeconfig(kubeconfigOut);
}

Console.WriteLine($"kube-emulator listening on {host.BaseAddress.ToString().TrimEnd('/')}");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

return 0;

/// <summary>
/// The termination messages of --instant-jobs, shaped like the `vectordr … --json` results the operator reads: a backup
/// Job (label dr.vectordr.io/step=backup) reports a committed backup with an id of its own, every other container (the
/// copy-and-prune Job's) a prune that deleted nothing. So the operator records each run and starts its follow-up Job
/// exactly as with real Jobs, without a process per Job.
/// </summary>
internal static class InstantResults
{
    public static string For(JsonObject job, JsonObject pod, string container)
    {
        var now = DateTimeOffset.UtcNow;
        var args = (Containers(pod).FirstOrDefault(c => c["name"]?.GetValue<string>() == container)?["args"] as JsonArray)?
            .Select(a => a?.GetValue<string>() ?? "").ToList() ?? [];
        if (job["metadata"]?["labels"]?["dr.vectordr.io/step"]?.GetValue<string>() == "backup")
        {
            // Unique per Job (its uid), and sorted by time like the CLI's ids.
            var uid = job["metadata"]?["uid"]?.GetValue<string>() ?? Guid.NewGuid().ToString();
            var id = $"{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(uid)))[..6]}";
            var to = args.IndexOf("--to");
            return new JsonObject
            {
                ["succeeded"] = true,
                ["backup"] = new JsonObject
                {
                    ["backupId"] = id,
                    ["location"] = to >= 0 && to + 1 < args.Count ? args[to + 1] : "",
                    ["startedAt"] = now.AddMilliseconds(-100).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                    ["completedAt"] = now.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                    ["durationSeconds"] = 0.1,
                    ["sizeBytes"] = 1048576,
                    ["points"] = 1000,
                },
            }.ToJsonString();
        }

        return new JsonObject
        {
            ["dryRun"] = false,
            ["location"] = args.Count > 1 ? args[1] : "",
            ["kept"] = 7,
            ["deleted"] = 0,
            ["backups"] = new JsonArray(),
        }.ToJsonString();
    }

    private static IEnumerable<JsonObject> Containers(JsonObject pod) =>
        new[] { pod["spec"]?["initContainers"], pod["spec"]?["containers"] }.OfType<JsonArray>().SelectMany(a => a.OfType<JsonObject>());
}
