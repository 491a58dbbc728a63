using VectorDR.KubeEmulator;

// kube-emulator --port N --kubeconfig-out PATH [--crds DIR] [--token T] [--image-map IMAGE=PATH]...: runs in the foreground until killed.
var options = new KubeEmulatorOptions();
var images = new Dictionary<string, string>(StringComparer.Ordinal);
bool? jobRunner = null;
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
        case "--job-work-dir":
            jobWorkDir = Next();
            break;
        case "--job-backoff":
            jobBackoff = TimeSpan.FromSeconds(double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture));
            break;
        case "-h" or "--help":
            Console.WriteLine("usage: kube-emulator [--port N] [--kubeconfig-out PATH] [--crds DIR_OR_FILE]... [--token TOKEN] [--openapi-dir DIR]");
            Console.WriteLine("                     [--image-map IMAGE=PATH]... [--job-runner|--no-job-runner] [--job-work-dir DIR] [--job-backoff SECONDS]");
            Console.WriteLine("  --image-map      run Jobs whose container image is IMAGE (with or without tag) with the local executable PATH;");
            Console.WriteLine("                   turns the local-process Job runner on (unless --no-job-runner)");
            Console.WriteLine("  --job-runner     run Jobs as local processes even without an image map (every pod then fails ImagePullBackOff");
            Console.WriteLine("                   unless its command is found on PATH)");
            Console.WriteLine("  --job-backoff    initial pod-failure and container-restart back-off in seconds (Kubernetes: 10)");
            return 0;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]} (try --help)");
            return 2;
    }
}

options = options with { CrdPaths = crds };
if (jobRunner ?? images.Count > 0)
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
