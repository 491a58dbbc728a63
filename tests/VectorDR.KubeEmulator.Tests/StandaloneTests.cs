using System.Diagnostics;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace VectorDR.KubeEmulator.Tests;

/// <summary>The standalone executable: prints its ready line, writes a working kubeconfig, stays up until killed.</summary>
public sealed class StandaloneTests
{
    [Fact]
    public async Task Kube_emulator_executable_serves_until_killed()
    {
        await using var emulator = await Standalone.StartAsync();
        var namespaces = await emulator.Client.CoreV1.ListNamespaceAsync(cancellationToken: emulator.Timeout);
        Assert.Contains(namespaces.Items, n => n.Metadata.Name == "default");
        Assert.Equal(emulator.ReadyLine["kube-emulator listening on ".Length..], emulator.Client.BaseUri.ToString().TrimEnd('/'));
    }

    [Fact]
    public async Task Instant_jobs_succeed_at_once_with_vectordr_shaped_results()
    {
        await using var emulator = await Standalone.StartAsync("--instant-jobs");
        var client = emulator.Client;
        await client.BatchV1.CreateNamespacedJobAsync(Job("p-202611231200", "backup", [Container("backup", "backup", "--to", "file:///b/p", "--json")]), "default",
            cancellationToken: emulator.Timeout);
        await client.BatchV1.CreateNamespacedJobAsync(Job("p-202611231200-sync", "sync",
            [Container("prune", "prune", "file:///b/p", "--json"), Container("copy-dr", "copy", "file:///b/p", "--to", "file:///dr/p", "--json")]), "default",
            cancellationToken: emulator.Timeout);

        JsonObject Message(V1ContainerStatus status) => (JsonObject)JsonNode.Parse(status.State.Terminated.Message)!;
        var backup = await SucceededPodAsync(client, "p-202611231200", emulator.Timeout);
        var result = Message(backup.Status.ContainerStatuses.Single());
        Assert.True(result["succeeded"]!.GetValue<bool>());
        Assert.Matches(@"^\d{8}T\d{6}Z-[0-9a-f]{6}$", result["backup"]!["backupId"]!.GetValue<string>());
        Assert.Equal("file:///b/p", result["backup"]!["location"]!.GetValue<string>());
        Assert.Equal(1048576, result["backup"]!["sizeBytes"]!.GetValue<long>());

        var sync = await SucceededPodAsync(client, "p-202611231200-sync", emulator.Timeout);
        var prune = Message(sync.Status.InitContainerStatuses.Single());
        Assert.Equal((false, "file:///b/p", 7, 0), (prune["dryRun"]!.GetValue<bool>(), prune["location"]!.GetValue<string>(), prune["kept"]!.GetValue<int>(),
            prune["deleted"]!.GetValue<int>()));
        Assert.NotNull(Message(sync.Status.ContainerStatuses.Single())["kept"]);

        // Each Job its own backup id.
        await client.BatchV1.CreateNamespacedJobAsync(Job("q-202611231200", "backup", [Container("backup", "backup", "--to", "file:///b/q")]), "default",
            cancellationToken: emulator.Timeout);
        var other = Message((await SucceededPodAsync(client, "q-202611231200", emulator.Timeout)).Status.ContainerStatuses.Single());
        Assert.NotEqual(result["backup"]!["backupId"]!.GetValue<string>(), other["backup"]!["backupId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Instant_jobs_and_the_local_process_runner_exclude_each_other()
    {
        var start = Standalone.StartInfo("--instant-jobs", "--job-runner");
        using var process = Process.Start(start)!;
        await process.WaitForExitAsync();
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("--instant-jobs", await process.StandardError.ReadToEndAsync());
    }

    private static async Task<V1Pod> SucceededPodAsync(Kubernetes client, string job, CancellationToken ct)
    {
        while (true)
        {
            var read = await client.BatchV1.ReadNamespacedJobAsync(job, "default", cancellationToken: ct);
            if (read.Status?.Conditions?.Any(c => c.Type == "Complete" && c.Status == "True") == true)
                return Assert.Single((await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: $"job-name={job}", cancellationToken: ct)).Items);
            await Task.Delay(20, ct);
        }
    }

    private static V1Container Container(string name, params string[] args) => new() { Name = name, Image = "ghcr.io/vectordr/vectordr:0.1.0", Args = args };

    private static V1Job Job(string name, string step, IReadOnlyList<V1Container> steps) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["dr.vectordr.io/step"] = step } },
        Spec = new V1JobSpec
        {
            BackoffLimit = 0,
            Template = new V1PodTemplateSpec
            {
                Spec = new V1PodSpec
                {
                    RestartPolicy = "Never",
                    InitContainers = steps.Count > 1 ? steps.Take(steps.Count - 1).ToList() : null,
                    Containers = [steps[^1]],
                },
            },
        },
    };

    /// <summary>The emulator executable on a free port, killed and its kubeconfig folder removed on dispose.</summary>
    private sealed class Standalone : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _directory;
        private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

        private Standalone(Process process, string directory, string readyLine, Kubernetes client)
        {
            (_process, _directory, ReadyLine, Client) = (process, directory, readyLine, client);
        }

        public string ReadyLine { get; }

        public Kubernetes Client { get; }

        public CancellationToken Timeout => _timeout.Token;

        public static ProcessStartInfo StartInfo(params string[] args)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kube-emulator.dll"));
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            return start;
        }

        public static async Task<Standalone> StartAsync(params string[] args)
        {
            var directory = Path.Combine(Path.GetTempPath(), "kemu-exe-" + Guid.NewGuid().ToString("N"));
            var kubeconfig = Path.Combine(directory, "kubeconfig");
            var process = Process.Start(StartInfo(["--port", "0", "--kubeconfig-out", kubeconfig, .. args]))!;
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                var ready = await process.StandardOutput.ReadLineAsync(timeout.Token);
                Assert.Matches(@"^kube-emulator listening on https://127\.0\.0\.1:\d+$", ready);
                return new Standalone(process, directory, ready!, new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig)));
            }
            catch
            {
                process.Kill();
                await process.WaitForExitAsync();
                process.Dispose();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            _process.Kill();
            await _process.WaitForExitAsync();
            _process.Dispose();
            _timeout.Dispose();
            if (Directory.Exists(_directory))
            {
                Directory.Delete(_directory, recursive: true);
            }
        }
    }
}
