using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using VectorDR.KubeEmulator.Jobs;

namespace VectorDR.KubeEmulator.Tests;

/// <summary>The instant runner: no process, Jobs complete at once with the delegate's termination message.</summary>
public sealed class InstantJobRunnerTests : EmulatorTestBase
{
    private readonly InstantJobRunner _runner = new((job, pod) => $$"""{"job":"{{job["metadata"]!["name"]}}","pod":"{{pod["metadata"]!["name"]}}"}""")
    {
        ExitCode = (job, _) => job["metadata"]!["name"]!.GetValue<string>().StartsWith("bad", StringComparison.Ordinal) ? 2 : 0,
    };

    protected override KubeEmulatorOptions Options => base.Options with { JobRunner = _runner };

    [Fact]
    public async Task Jobs_complete_immediately_with_the_delegates_termination_message()
    {
        foreach (var name in new[] { "a", "b", "c" })
        {
            await Client.BatchV1.CreateNamespacedJobAsync(Job(name), "default");
        }

        await Eventually(() => Task.FromResult(_runner.CompletedJobs == 3), "three jobs to finish");
        foreach (var name in new[] { "a", "b", "c" })
        {
            var job = await Client.BatchV1.ReadNamespacedJobAsync(name, "default");
            Assert.Contains(job.Status.Conditions, c => c.Type == "Complete" && c.Status == "True");
            Assert.Equal(1, job.Status.Succeeded);
            Assert.NotNull(job.Status.CompletionTime);
            var pod = Assert.Single((await Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: $"job-name={name}")).Items);
            Assert.Equal("Succeeded", pod.Status.Phase);
            Assert.Equal($$"""{"job":"{{name}}","pod":"{{pod.Metadata.Name}}"}""", pod.Status.ContainerStatuses[0].State.Terminated.Message);
        }
    }

    [Fact]
    public async Task A_non_zero_exit_code_fails_the_job_after_backoffLimit_plus_one_pods()
    {
        var job = Job("bad");
        job.Spec.BackoffLimit = 1;
        await Client.BatchV1.CreateNamespacedJobAsync(job, "default");
        await Eventually(() => Task.FromResult(_runner.CompletedJobs == 1), "the job to finish");
        var read = await Client.BatchV1.ReadNamespacedJobAsync("bad", "default");
        Assert.Contains(read.Status.Conditions, c => c.Type == "Failed" && c.Reason == "BackoffLimitExceeded");
        Assert.Equal(2, read.Status.Failed);
        Assert.Equal(2, (await Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "job-name=bad")).Items.Count);
    }

    private static V1Job Job(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1JobSpec
        {
            Template = new V1PodTemplateSpec
            {
                Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "c", Image = "ghcr.io/vectordr/vectordr:0.1.0" }] },
            },
        },
    };
}
