using VectorDR.KubeEmulator;

// kube-emulator --port N --kubeconfig-out PATH [--crds DIR] [--token T]: runs in the foreground until killed.
var options = new KubeEmulatorOptions();
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
        case "-h" or "--help":
            Console.WriteLine("usage: kube-emulator [--port N] [--kubeconfig-out PATH] [--crds DIR_OR_FILE]... [--token TOKEN] [--openapi-dir DIR]");
            return 0;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]} (try --help)");
            return 2;
    }
}

options = options with { CrdPaths = crds };
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
