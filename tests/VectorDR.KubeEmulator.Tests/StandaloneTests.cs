using System.Diagnostics;
using k8s;

namespace VectorDR.KubeEmulator.Tests;

/// <summary>The standalone executable: prints its ready line, writes a working kubeconfig, stays up until killed.</summary>
public sealed class StandaloneTests
{
    [Fact]
    public async Task Kube_emulator_executable_serves_until_killed()
    {
        var executable = Path.Combine(AppContext.BaseDirectory, "kube-emulator.dll");
        var directory = Path.Combine(Path.GetTempPath(), "kemu-exe-" + Guid.NewGuid().ToString("N"));
        var kubeconfig = Path.Combine(directory, "kubeconfig");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { executable, "--port", "0", "--kubeconfig-out", kubeconfig })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var ready = await process.StandardOutput.ReadLineAsync(timeout.Token);
            Assert.Matches(@"^kube-emulator listening on https://127\.0\.0\.1:\d+$", ready);

            using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
            var namespaces = await client.CoreV1.ListNamespaceAsync(cancellationToken: timeout.Token);
            Assert.Contains(namespaces.Items, n => n.Metadata.Name == "default");
            Assert.Equal(ready!["kube-emulator listening on ".Length..], client.BaseUri.ToString().TrimEnd('/'));
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
            Directory.Delete(directory, recursive: true);
        }
    }
}
