using k8s;
using k8s.Models;
using VectorDR.KubeEmulator.Jobs;

namespace VectorDR.KubeEmulator.Tests;

/// <summary>
/// An emulator with the local-process Job runner: the image <c>example.com/tools/sh</c> (any tag) is <c>/bin/sh</c>, and
/// every back-off and grace period is short so that failure paths take milliseconds, not minutes.
/// </summary>
public abstract class JobRunnerTestBase : EmulatorTestBase
{
    protected const string ShImage = "example.com/tools/sh:1.0";

    protected JobRunnerTestBase() => Runner = new LocalProcessJobRunner(RunnerOptions);

    protected LocalProcessJobRunner Runner { get; }

    protected virtual LocalProcessJobRunnerOptions RunnerOptions => new()
    {
        Images = { ["example.com/tools/sh"] = "/bin/sh" },
        PodFailureBackoff = TimeSpan.FromMilliseconds(100),
        ContainerRestartBackoff = TimeSpan.FromMilliseconds(100),
        ConfigErrorRetryInterval = TimeSpan.FromMilliseconds(100),
        UnmappedImageFailureDelay = TimeSpan.FromMilliseconds(600),
        MaxTerminationGracePeriod = TimeSpan.FromSeconds(2),
    };

    protected override KubeEmulatorOptions Options => base.Options with { JobRunner = Runner };

    /// <summary>A Job running <c>sh -c script</c> through the image map (args only: the mapped executable is the entrypoint).</summary>
    protected static V1Job ShJob(string name, string script, Action<V1Job>? configure = null)
    {
        var job = new V1Job
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1JobSpec
            {
                BackoffLimit = 0,
                Template = new V1PodTemplateSpec
                {
                    Spec = new V1PodSpec
                    {
                        RestartPolicy = "Never",
                        TerminationGracePeriodSeconds = 1,
                        Containers = [new V1Container { Name = "main", Image = ShImage, Args = ["-c", script] }],
                    },
                },
            },
        };
        configure?.Invoke(job);
        return job;
    }

    protected static V1Container Container(V1Job job) => job.Spec.Template.Spec.Containers[0];

    protected async Task<V1Job> CreateJobAsync(V1Job job) => await Client.BatchV1.CreateNamespacedJobAsync(job, "default");

    protected async Task<V1Job> WaitForJobConditionAsync(string name, string type, int seconds = 15)
    {
        V1Job? job = null;
        await Eventually(async () =>
        {
            job = await Client.BatchV1.ReadNamespacedJobAsync(name, "default");
            return job.Status?.Conditions?.Any(c => c.Type == type && c.Status == "True") == true;
        }, $"job {name} to be {type}", seconds);
        return job!;
    }

    protected async Task<IList<V1Pod>> PodsOfAsync(string job) =>
        (await Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: $"job-name={job}")).Items;

    protected async Task<V1Pod> WaitForPodAsync(string job, Func<V1Pod, bool> condition, string what, int seconds = 15)
    {
        V1Pod? found = null;
        await Eventually(async () => (found = (await PodsOfAsync(job)).FirstOrDefault(condition)) is not null, what, seconds);
        return found!;
    }

    protected async Task<string> LogAsync(string pod, string query = "")
    {
        using var response = await Http.GetAsync($"/api/v1/namespaces/default/pods/{pod}/log{query}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return text;
    }

    /// <summary>PIDs a script printed as <c>pids A B</c> on its first log line (scripts write the shell's <c>$$</c> as <c>$$$$</c>:
    /// Kubernetes reduces <c>$$</c> in args to <c>$</c>, and so does the runner).</summary>
    protected async Task<int[]> PidsFromLogAsync(string pod)
    {
        string log = "";
        await Eventually(async () =>
        {
            using var response = await Http.GetAsync($"/api/v1/namespaces/default/pods/{pod}/log");
            log = await response.Content.ReadAsStringAsync();
            return response.IsSuccessStatusCode && log.Contains('\n', StringComparison.Ordinal);
        }, "the script to print its pids");
        return log.Split('\n')[0]["pids ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
    }

    /// <summary>True when the process no longer exists (or is a zombie waiting for a parent that is not us).</summary>
    protected static bool ProcessGone(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }
}
