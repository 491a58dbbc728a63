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
        // Init containers get their own messages; null leaves the main container to the (job, pod) delegates.
        ContainerTerminationMessage = (_, pod, container) => container == "c" ? null : $"{container} of {pod["metadata"]!["name"]} done",
        ContainerExitCode = (job, _, container) => job["metadata"]!["name"]!.GetValue<string>() == "initfail" && container == "second" ? 5 : null,
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

    [Fact]
    public async Task Init_containers_are_reported_terminated_in_order_each_with_its_own_message()
    {
        var job = Job("withinit");
        job.Spec.Template.Spec.InitContainers = [Init("first"), Init("second")];
        await Client.BatchV1.CreateNamespacedJobAsync(job, "default");
        await Eventually(() => Task.FromResult(_runner.CompletedJobs == 1), "the job to finish");

        var pod = Assert.Single((await Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "job-name=withinit")).Items);
        Assert.Equal("Succeeded", pod.Status.Phase);
        Assert.Equal(["first", "second"], pod.Status.InitContainerStatuses.Select(s => s.Name));
        Assert.All(pod.Status.InitContainerStatuses, s =>
        {
            Assert.Equal((0, "Completed", $"{s.Name} of {pod.Metadata.Name} done"), (s.State.Terminated.ExitCode, s.State.Terminated.Reason, s.State.Terminated.Message));
            Assert.True(s.Ready);
        });
        Assert.Equal($$"""{"job":"withinit","pod":"{{pod.Metadata.Name}}"}""", pod.Status.ContainerStatuses[0].State.Terminated.Message);
        Assert.Equal(("True", "PodCompleted"), pod.Status.Conditions.Where(c => c.Type == "Initialized").Select(c => (c.Status, c.Reason)).Single());
    }

    [Fact]
    public async Task A_failing_init_container_fails_the_pod_leaving_later_containers_waiting_PodInitializing()
    {
        var job = Job("initfail");
        job.Spec.BackoffLimit = 0;
        job.Spec.Template.Spec.InitContainers = [Init("first"), Init("second"), Init("third")];
        await Client.BatchV1.CreateNamespacedJobAsync(job, "default");
        await Eventually(() => Task.FromResult(_runner.CompletedJobs == 1), "the job to finish");

        var read = await Client.BatchV1.ReadNamespacedJobAsync("initfail", "default");
        Assert.Contains(read.Status.Conditions, c => c.Type == "Failed" && c.Reason == "BackoffLimitExceeded");
        Assert.Equal(1, read.Status.Failed);
        var pod = Assert.Single((await Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "job-name=initfail")).Items);
        Assert.Equal("Failed", pod.Status.Phase);
        var statuses = pod.Status.InitContainerStatuses;
        Assert.Equal("Completed", statuses[0].State.Terminated.Reason);
        Assert.Equal((5, "Error", $"second of {pod.Metadata.Name} done"), (statuses[1].State.Terminated.ExitCode, statuses[1].State.Terminated.Reason, statuses[1].State.Terminated.Message));
        Assert.Equal("PodInitializing", statuses[2].State.Waiting.Reason);
        Assert.Equal("PodInitializing", pod.Status.ContainerStatuses[0].State.Waiting.Reason);
        var initialized = pod.Status.Conditions.Single(c => c.Type == "Initialized");
        Assert.Equal(("False", "containers with incomplete status: [second third]"), (initialized.Status, initialized.Message));
    }

    private static V1Container Init(string name) => new() { Name = name, Image = "ghcr.io/vectordr/vectordr:0.1.0" };

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
