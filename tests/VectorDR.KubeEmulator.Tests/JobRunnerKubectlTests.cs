using System.Diagnostics;
using System.Runtime.InteropServices;
using k8s;
using Xunit.Abstractions;

namespace VectorDR.KubeEmulator.Tests;

/// <summary>The Job runner seen through the real kubectl, and the standalone executable's <c>--image-map</c>.</summary>
public sealed class JobRunnerKubectlTests(ITestOutputHelper output) : JobRunnerTestBase
{
    [Fact]
    public async Task Kubectl_sees_the_jobs_pod_and_prints_its_logs()
    {
        var kubectl = KubectlBinaries.OldestAndNewest().LastOrDefault();
        if (kubectl is null)
        {
            output.WriteLine("SKIPPED: no kubectl binary found");
            return;
        }

        using var work = new TempDirectory();
        var run = new KubectlRunner(kubectl, Host.WriteKubeconfig(Path.Combine(work.Path, "kubeconfig")), Path.Combine(work.Path, "cache"), output);
        var manifest = work.Write("job.yaml", $$"""
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: greet
            spec:
              backoffLimit: 0
              template:
                spec:
                  restartPolicy: Never
                  containers:
                  - name: main
                    image: {{ShImage}}
                    args:
                    - -c
                    - echo hello-from-the-job; echo '{"ok":true}' > /dev/termination-log
            """);
        Assert.Contains("job.batch/greet created", (await run.Ok("apply", "-f", manifest)).StdOut);
        Assert.Contains("condition met", (await run.Ok("wait", "--for=condition=complete", "job/greet", "--timeout=30s")).StdOut);

        var pods = (await run.Ok("get", "pods")).StdOut;
        Assert.Matches(@"greet-[a-z0-9]{5}\s+0/1\s+Completed\s+0", pods);
        Assert.Matches(@"greet\s+Complete\s+1/1", (await run.Ok("get", "jobs")).StdOut);
        Assert.Equal("hello-from-the-job\n", (await run.Ok("logs", "job/greet")).StdOut);
        var pod = (await run.Ok("get", "pods", "-l", "job-name=greet", "-o", "jsonpath={.items[0].metadata.name}")).StdOut;
        Assert.Equal("hello-from-the-job\n", (await run.Ok("logs", $"pod/{pod}")).StdOut);
        Assert.Equal("{\"ok\":true}\n", (await run.Ok("get", "pod", pod, "-o", "jsonpath={.status.containerStatuses[0].state.terminated.message}")).StdOut);
        var described = (await run.Ok("describe", "job", "greet")).StdOut;
        Assert.Matches(@"Pods Statuses:\s+0 Active .* 1 Succeeded / 0 Failed", described);
        Assert.Matches($@"Normal\s+SuccessfulCreate\s+.*job-controller\s+Created pod: {pod}", described);
    }

    [Fact]
    public async Task Kubectl_shows_a_failed_init_container_as_Init_Error_and_prints_each_containers_logs()
    {
        var kubectl = KubectlBinaries.OldestAndNewest().LastOrDefault();
        if (kubectl is null)
        {
            output.WriteLine("SKIPPED: no kubectl binary found");
            return;
        }

        using var work = new TempDirectory();
        var run = new KubectlRunner(kubectl, Host.WriteKubeconfig(Path.Combine(work.Path, "kubeconfig")), Path.Combine(work.Path, "cache"), output);
        var manifest = work.Write("job.yaml", $$"""
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: prepared
            spec:
              backoffLimit: 0
              template:
                spec:
                  restartPolicy: Never
                  initContainers:
                  - name: fetch
                    image: {{ShImage}}
                    args: ["-c", "echo fetched"]
                  - name: check
                    image: {{ShImage}}
                    args: ["-c", "echo check-failed; exit 3"]
                  containers:
                  - name: main
                    image: {{ShImage}}
                    args: ["-c", "echo main"]
            """);
        await run.Ok("apply", "-f", manifest);
        Assert.Contains("condition met", (await run.Ok("wait", "--for=condition=failed", "job/prepared", "--timeout=30s")).StdOut);

        Assert.Matches(@"prepared-[a-z0-9]{5}\s+0/1\s+Init:Error\s+0", (await run.Ok("get", "pods")).StdOut);
        var pod = (await run.Ok("get", "pods", "-l", "job-name=prepared", "-o", "jsonpath={.items[0].metadata.name}")).StdOut;
        Assert.Equal("fetched\n", (await run.Ok("logs", pod, "-c", "fetch")).StdOut);
        Assert.Equal("check-failed\n", (await run.Ok("logs", pod, "-c", "check")).StdOut);
        Assert.Equal("3 Error", (await run.Ok("get", "pod", pod, "-o", "jsonpath={.status.initContainerStatuses[1].state.terminated.exitCode} {.status.initContainerStatuses[1].state.terminated.reason}")).StdOut);

        // The main container never started; an unknown container is refused.
        var main = await run.Run("logs", pod);
        Assert.NotEqual(0, main.ExitCode);
        Assert.Contains($"container \"main\" in pod \"{pod}\" is waiting to start: PodInitializing", main.StdErr);
        var unknown = await run.Run("logs", pod, "-c", "nope");
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains($"container nope is not valid for pod {pod}", unknown.StdErr);
        Assert.Matches(@"Init Containers:\s+fetch:[\s\S]*Reason:\s+Completed[\s\S]*check:[\s\S]*Reason:\s+Error[\s\S]*Exit Code:\s+3", (await run.Ok("describe", "pod", pod)).StdOut);
    }

    [Fact]
    public async Task Standalone_executable_runs_jobs_from_its_image_map_and_kills_them_on_SIGTERM()
    {
        var directory = Path.Combine(Path.GetTempPath(), "kemu-exe-jobs-" + Guid.NewGuid().ToString("N"));
        var kubeconfig = Path.Combine(directory, "kubeconfig");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, "kube-emulator.dll"), "--port", "0", "--kubeconfig-out", kubeconfig,
                     "--image-map", "example.com/tools/sh=/bin/sh", "--job-work-dir", Path.Combine(directory, "jobs"), "--job-backoff", "0.1",
                 })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            Assert.StartsWith("kube-emulator listening on", await process.StandardOutput.ReadLineAsync(timeout.Token));
            using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
            await client.BatchV1.CreateNamespacedJobAsync(ShJob("quick", "echo done > \"$TERMINATION_MESSAGE_PATH\""), "default", cancellationToken: timeout.Token);
            await client.BatchV1.CreateNamespacedJobAsync(ShJob("long", "echo \"pids $$$$\"; exec sleep 60"), "default", cancellationToken: timeout.Token);
            await Eventually(async () => (await client.BatchV1.ReadNamespacedJobAsync("quick", "default")).Status?.Succeeded == 1, "the quick job", 30);
            var pods = (await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "job-name=quick")).Items;
            Assert.Equal("done\n", pods[0].Status.ContainerStatuses[0].State.Terminated.Message);

            int pid = 0;
            await Eventually(async () =>
            {
                var pod = (await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "job-name=long")).Items.FirstOrDefault();
                if (pod?.Status?.Phase != "Running")
                {
                    return false;
                }

                var log = await client.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, "default");
                using var reader = new StreamReader(log);
                var line = await reader.ReadLineAsync();
                return line is not null && int.TryParse(line["pids ".Length..], out pid);
            }, "the long job to run", 30);
            Assert.False(ProcessGone(pid));

            // SIGTERM: the emulator stops cleanly, killing the processes it started.
            Assert.Equal(0, kill(process.Id, 15));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(ProcessGone(pid), $"process {pid} outlived the emulator");
            Assert.Empty(Directory.GetDirectories(Path.Combine(directory, "jobs")));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
