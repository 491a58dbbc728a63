using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace VectorDR.KubeEmulator.Tests;

/// <summary>Init containers under the local-process runner, against the kubelet's observable behaviour.</summary>
public sealed class InitContainerTests : JobRunnerTestBase
{
    [Fact]
    public async Task Init_containers_run_one_at_a_time_in_order_before_the_main_container_each_with_its_own_message_and_log()
    {
        using var work = new TempDirectory();
        var order = Path.Combine(work.Path, "order");
        await CreateJobAsync(ShJob("ordered", "echo main >> \"$ORDER\"; echo main-log; echo main-message > /dev/termination-log", job =>
        {
            // The first one is slow: the second must not start before it has finished.
            job.Spec.Template.Spec.InitContainers =
            [
                Sh("init-a", "echo a-start >> \"$ORDER\"; sleep 0.3; echo a-end >> \"$ORDER\"; echo a-log; echo a-message > /dev/termination-log"),
                Sh("init-b", "echo b >> \"$ORDER\"; echo b-log; printf b-message > \"$TERMINATION_MESSAGE_PATH\""),
            ];
            Container(job).Env = [new V1EnvVar { Name = "ORDER", Value = order }];
            foreach (var init in job.Spec.Template.Spec.InitContainers)
            {
                init.Env = [new V1EnvVar { Name = "ORDER", Value = order }];
            }
        }));

        await WaitForJobConditionAsync("ordered", "Complete");
        Assert.Equal("a-start\na-end\nb\nmain\n", await File.ReadAllTextAsync(order));

        var pod = Assert.Single(await PodsOfAsync("ordered"));
        Assert.Equal("Succeeded", pod.Status.Phase);
        Assert.Equal(["init-a", "init-b"], pod.Status.InitContainerStatuses.Select(s => s.Name));
        var (a, b) = (pod.Status.InitContainerStatuses[0], pod.Status.InitContainerStatuses[1]);
        Assert.All(pod.Status.InitContainerStatuses, s =>
        {
            Assert.Equal((0, "Completed"), (s.State.Terminated.ExitCode, s.State.Terminated.Reason));
            // The kubelet: a succeeded init container is ready, and no longer started.
            Assert.True(s.Ready);
            Assert.False(s.Started);
            Assert.Equal(0, s.RestartCount);
            Assert.Equal(ShImage, s.Image);
            Assert.StartsWith("kube-emulator://", s.ContainerID);
            Assert.Equal(s.ContainerID, s.State.Terminated.ContainerID);
        });
        Assert.NotEqual(a.ContainerID, b.ContainerID);
        Assert.True(a.State.Terminated.FinishedAt <= b.State.Terminated.StartedAt);
        Assert.True(b.State.Terminated.FinishedAt <= pod.Status.ContainerStatuses[0].State.Terminated.StartedAt);

        // Each container has its own termination-message file and its own log.
        Assert.Equal("a-message\n", a.State.Terminated.Message);
        Assert.Equal("b-message", b.State.Terminated.Message);
        Assert.Equal("main-message\n", pod.Status.ContainerStatuses[0].State.Terminated.Message);
        var name = pod.Metadata.Name;
        Assert.Equal("a-log\n", await LogAsync(name, "?container=init-a"));
        Assert.Equal("b-log\n", await LogAsync(name, "?container=init-b"));
        Assert.Equal("main-log\n", await LogAsync(name));
        Assert.Equal("main-log\n", await LogAsync(name, "?container=main"));
        var (status, body) = await SendAsync(HttpMethod.Get, $"/api/v1/namespaces/default/pods/{name}/log?container=init-z");
        Assert.Equal((400, $"container init-z is not valid for pod {name}"), (status, body["message"]!.GetValue<string>()));

        var initialized = Assert.Single(pod.Status.Conditions, c => c.Type == "Initialized");
        Assert.Equal(("True", "PodCompleted"), (initialized.Status, initialized.Reason));

        // The kubelet's events name the container they are about.
        var events = (await Client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: $"involvedObject.name={name}")).Items;
        Assert.Contains(events, e => e.Reason == "Started" && e.Message == "Started container init-a" && e.InvolvedObject.FieldPath == "spec.initContainers{init-a}");
        Assert.Contains(events, e => e.Reason == "Started" && e.Message == "Started container main" && e.InvolvedObject.FieldPath == "spec.containers{main}");
    }

    [Fact]
    public async Task While_an_init_container_runs_the_pod_is_Pending_with_the_kubelets_statuses_and_Init_N_of_M()
    {
        using var work = new TempDirectory();
        var gate = Path.Combine(work.Path, "gate");
        await CreateJobAsync(ShJob("gated", "echo main-ran", job => job.Spec.Template.Spec.InitContainers =
        [
            Sh("first", "echo first-done"),
            Sh("second", $"echo waiting; while [ ! -f '{gate}' ]; do sleep 0.05; done"),
        ]));

        var pod = await WaitForPodAsync("gated", p => p.Status?.InitContainerStatuses?[1].State.Running is not null, "the second init container to run");
        var name = pod.Metadata.Name;
        Assert.Equal("Pending", pod.Status.Phase);
        var (first, second) = (pod.Status.InitContainerStatuses[0], pod.Status.InitContainerStatuses[1]);
        Assert.Equal((0, "Completed"), (first.State.Terminated.ExitCode, first.State.Terminated.Reason));
        Assert.NotNull(second.State.Running.StartedAt);
        Assert.True(second.Started);
        Assert.False(second.Ready);
        Assert.StartsWith("kube-emulator://", second.ContainerID);
        Assert.Equal(Runner.ProcessIdOf("default", name), int.Parse(second.ContainerID["kube-emulator://".Length..], System.Globalization.CultureInfo.InvariantCulture));
        var main = Assert.Single(pod.Status.ContainerStatuses);
        Assert.Equal("PodInitializing", main.State.Waiting.Reason);
        Assert.False(main.Ready);
        Assert.Null(main.ContainerID);

        var initialized = Assert.Single(pod.Status.Conditions, c => c.Type == "Initialized");
        Assert.Equal(("False", "ContainersNotInitialized", "containers with incomplete status: [second]"), (initialized.Status, initialized.Reason, initialized.Message));
        var ready = Assert.Single(pod.Status.Conditions, c => c.Type == "Ready");
        Assert.Equal(("False", "ContainersNotReady", "containers with unready status: [main]"), (ready.Status, ready.Reason, ready.Message));
        Assert.Equal(0, (await Client.BatchV1.ReadNamespacedJobAsync("gated", "default")).Status.Ready);

        // kubectl's STATUS column, printed by the server.
        Assert.Equal(("0/1", "Init:1/2"), await StatusColumnAsync(name));

        // The main container has no log yet: the kubelet says why.
        var (status, body) = await SendAsync(HttpMethod.Get, $"/api/v1/namespaces/default/pods/{name}/log");
        Assert.Equal((400, $"container \"main\" in pod \"{name}\" is waiting to start: PodInitializing"), (status, body["message"]!.GetValue<string>()));
        await Eventually(async () => (await LogAsync(name, "?container=second")) == "waiting\n", "the init container's log");

        await File.WriteAllTextAsync(gate, "");
        await WaitForJobConditionAsync("gated", "Complete");
        pod = Assert.Single(await PodsOfAsync("gated"));
        Assert.Equal(("True", (string?)null), pod.Status.Conditions.Where(c => c.Type == "Initialized").Select(c => (c.Status, c.Message)).Single());
        Assert.All(pod.Status.InitContainerStatuses, s => Assert.Equal("Completed", s.State.Terminated.Reason));
        Assert.Equal("main-ran\n", await LogAsync(name));
        Assert.Equal(("0/1", "Completed"), await StatusColumnAsync(name));
    }

    [Fact]
    public async Task The_main_container_runs_with_the_init_containers_kept_terminated_and_the_pod_Initialized()
    {
        using var work = new TempDirectory();
        var gate = Path.Combine(work.Path, "gate");
        await CreateJobAsync(ShJob("running", $"while [ ! -f '{gate}' ]; do sleep 0.05; done", job => job.Spec.Template.Spec.InitContainers = [Sh("setup", "true")]));

        var pod = await WaitForPodAsync("running", p => p.Status?.Phase == "Running", "the main container to run");
        Assert.Equal("Completed", Assert.Single(pod.Status.InitContainerStatuses).State.Terminated.Reason);
        Assert.NotNull(pod.Status.ContainerStatuses[0].State.Running);
        Assert.Equal("True", pod.Status.Conditions.Single(c => c.Type == "Initialized").Status);
        Assert.Equal("True", pod.Status.Conditions.Single(c => c.Type == "Ready").Status);
        Assert.Equal(("1/1", "Running"), await StatusColumnAsync(pod.Metadata.Name));
        await File.WriteAllTextAsync(gate, "");
        await WaitForJobConditionAsync("running", "Complete");
    }

    [Fact]
    public async Task A_failing_init_container_fails_the_pod_and_each_retry_reruns_every_init_container()
    {
        using var work = new TempDirectory();
        var order = Path.Combine(work.Path, "order");
        await CreateJobAsync(ShJob("initfail", "echo main >> \"$ORDER\"", job =>
        {
            job.Spec.BackoffLimit = 1;
            job.Spec.Template.Spec.InitContainers =
            [
                Sh("fetch", "echo fetch >> \"$ORDER\""),
                Sh("migrate", "echo migrate >> \"$ORDER\"; echo migrate-output; echo schema locked > /dev/termination-log; exit 4"),
                Sh("warm", "echo warm >> \"$ORDER\""),
            ];
            foreach (var container in job.Spec.Template.Spec.InitContainers.Append(Container(job)))
            {
                container.Env = [new V1EnvVar { Name = "ORDER", Value = order }];
            }
        }));

        var job = await WaitForJobConditionAsync("initfail", "Failed");
        Assert.Equal("BackoffLimitExceeded", job.Status.Conditions.Single(c => c.Type == "Failed").Reason);
        Assert.Equal(2, job.Status.Failed);

        // Each new pod starts over from the first init container; the later ones and the main container never ran.
        Assert.Equal("fetch\nmigrate\nfetch\nmigrate\n", await File.ReadAllTextAsync(order));
        var pods = await PodsOfAsync("initfail");
        Assert.Equal(2, pods.Count);
        foreach (var pod in pods)
        {
            Assert.Equal("Failed", pod.Status.Phase);
            var statuses = pod.Status.InitContainerStatuses;
            Assert.Equal((0, "Completed"), (statuses[0].State.Terminated.ExitCode, statuses[0].State.Terminated.Reason));
            Assert.Equal((4, "Error", "schema locked\n"), (statuses[1].State.Terminated.ExitCode, statuses[1].State.Terminated.Reason, statuses[1].State.Terminated.Message));
            Assert.False(statuses[1].Ready);
            Assert.Equal("PodInitializing", statuses[2].State.Waiting.Reason);
            Assert.Null(statuses[2].ContainerID);
            Assert.Equal("PodInitializing", pod.Status.ContainerStatuses[0].State.Waiting.Reason);
            var initialized = pod.Status.Conditions.Single(c => c.Type == "Initialized");
            Assert.Equal(("False", "ContainersNotInitialized", "containers with incomplete status: [migrate warm]"), (initialized.Status, initialized.Reason, initialized.Message));
            Assert.Equal(("0/1", "Init:Error"), await StatusColumnAsync(pod.Metadata.Name));
            Assert.Equal("migrate-output\n", await LogAsync(pod.Metadata.Name, "?container=migrate"));
            var (status, body) = await SendAsync(HttpMethod.Get, $"/api/v1/namespaces/default/pods/{pod.Metadata.Name}/log?container=warm");
            Assert.Equal((400, $"container \"warm\" in pod \"{pod.Metadata.Name}\" is waiting to start: PodInitializing"), (status, body["message"]!.GetValue<string>()));
        }
    }

    [Fact]
    public async Task Under_restartPolicy_OnFailure_a_failed_init_container_restarts_in_place()
    {
        // The working directory is the container's own folder, kept across its restarts.
        await CreateJobAsync(ShJob("initretry", "echo main-ran", job =>
        {
            job.Spec.BackoffLimit = 2;
            job.Spec.Template.Spec.RestartPolicy = "OnFailure";
            job.Spec.Template.Spec.InitContainers = [Sh("flaky", "if [ -f attempted ]; then echo second; exit 0; fi; touch attempted; echo first; exit 1")];
        }));

        await WaitForJobConditionAsync("initretry", "Complete");
        var pod = Assert.Single(await PodsOfAsync("initretry"));
        var init = Assert.Single(pod.Status.InitContainerStatuses);
        Assert.Equal(1, init.RestartCount);
        Assert.Equal((1, "Error"), (init.LastState.Terminated.ExitCode, init.LastState.Terminated.Reason));
        Assert.NotEqual(init.LastState.Terminated.ContainerID, init.State.Terminated.ContainerID);
        Assert.Equal("Completed", init.State.Terminated.Reason);
        Assert.Equal("second\n", await LogAsync(pod.Metadata.Name, "?container=flaky"));
        Assert.Equal("first\n", await LogAsync(pod.Metadata.Name, "?container=flaky&previous=true"));
        Assert.Equal("main-ran\n", await LogAsync(pod.Metadata.Name));
    }

    [Fact]
    public async Task A_crash_looping_init_container_keeps_the_pod_Pending_as_Init_CrashLoopBackOff()
    {
        await CreateJobAsync(ShJob("initloop", "true", job =>
        {
            job.Spec.BackoffLimit = 10;
            job.Spec.Template.Spec.RestartPolicy = "OnFailure";
            job.Spec.Template.Spec.InitContainers = [Sh("broken", "exit 2")];
        }));

        var pod = await WaitForPodAsync("initloop", p => p.Status?.InitContainerStatuses?[0].State.Waiting?.Reason == "CrashLoopBackOff", "the init container's back-off");
        Assert.Equal("Pending", pod.Status.Phase);
        Assert.Equal(2, pod.Status.InitContainerStatuses[0].LastState.Terminated.ExitCode);
        Assert.Equal("PodInitializing", pod.Status.ContainerStatuses[0].State.Waiting.Reason);
        await Eventually(async () => (await StatusColumnAsync(pod.Metadata.Name)).Status is "Init:CrashLoopBackOff" or "Init:Error", "the printer's init status");
        await Client.BatchV1.DeleteNamespacedJobAsync("initloop", "default", propagationPolicy: "Background");
    }

    [Fact]
    public async Task Termination_message_cap_and_FallbackToLogsOnError_apply_to_each_container_separately()
    {
        await CreateJobAsync(ShJob("messages", "echo main-line-1; echo main-line-2; exit 1", job =>
        {
            Container(job).TerminationMessagePolicy = "FallbackToLogsOnError";
            job.Spec.Template.Spec.InitContainers =
            [
                // 5000 bytes: the kubelet keeps the last 4096.
                Sh("big", "echo init-output; head -c 5000 /dev/zero | tr '\\0' x > /dev/termination-log"),
            ];
        }));

        await WaitForJobConditionAsync("messages", "Failed");
        var pod = Assert.Single(await PodsOfAsync("messages"));
        Assert.Equal(new string('x', 4096), pod.Status.InitContainerStatuses[0].State.Terminated.Message);
        // The main container's own (empty) file and its own log: nothing of the init container's.
        Assert.Equal("main-line-1\nmain-line-2\n", pod.Status.ContainerStatuses[0].State.Terminated.Message);
    }

    [Fact]
    public async Task Stopping_a_pod_during_an_init_container_kills_that_process()
    {
        await CreateJobAsync(ShJob("initdeadline", "echo never", job =>
        {
            job.Spec.ActiveDeadlineSeconds = 1;
            job.Spec.Template.Spec.InitContainers = [Sh("hang", "trap '' TERM; sleep 60 & echo \"pids $$$$ $!\"; wait")];
        }));

        var pod = await WaitForPodAsync("initdeadline", p => p.Status?.InitContainerStatuses?[0].State.Running is not null, "the init container to run");
        int[] pids = [];
        await Eventually(async () =>
        {
            var log = await LogAsync(pod.Metadata.Name, "?container=hang");
            if (!log.Contains('\n', StringComparison.Ordinal))
            {
                return false;
            }

            pids = log.Split('\n')[0]["pids ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
            return true;
        }, "the init container's pids");
        Assert.Equal(pids[0], Runner.ProcessIdOf("default", pod.Metadata.Name));
        Assert.All(pids, pid => Assert.False(ProcessGone(pid)));

        var job = await WaitForJobConditionAsync("initdeadline", "Failed");
        Assert.Equal("DeadlineExceeded", job.Status.Conditions.Single(c => c.Type == "Failed").Reason);
        Assert.All(pids, pid => Assert.True(ProcessGone(pid), $"process {pid} still runs"));
    }

    [Theory]
    [InlineData("""[{"state":{"terminated":{"exitCode":0,"reason":"Completed"}}},{"state":{"running":{}}}]""", """{"waiting":{"reason":"PodInitializing"}}""", "Init:1/2")]
    [InlineData("""[{"state":{"waiting":{"reason":"PodInitializing"}}},{"state":{"waiting":{"reason":"PodInitializing"}}}]""", """{"waiting":{"reason":"PodInitializing"}}""", "Init:0/2")]
    [InlineData("""[{"state":{"terminated":{"exitCode":2}}},{"state":{"waiting":{"reason":"PodInitializing"}}}]""", """{"waiting":{"reason":"PodInitializing"}}""", "Init:ExitCode:2")]
    [InlineData("""[{"state":{"terminated":{"exitCode":0,"reason":"Completed"}}},{"state":{"waiting":{"reason":"ImagePullBackOff"}}}]""", """{"waiting":{"reason":"PodInitializing"}}""", "Init:ImagePullBackOff")]
    [InlineData("""[{"state":{"terminated":{"exitCode":0,"reason":"Completed"}}},{"state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]""", """{"waiting":{"reason":"PodInitializing"}}""", "PodInitializing")]
    public async Task The_status_column_is_computed_from_the_init_container_statuses_as_kubectl_prints_it(string initStatuses, string mainState, string expected)
    {
        var pod = await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "printed" },
            Spec = new V1PodSpec
            {
                InitContainers = [new V1Container { Name = "a", Image = ShImage }, new V1Container { Name = "b", Image = ShImage }],
                Containers = [new V1Container { Name = "main", Image = ShImage }],
            },
        }, "default");
        var statuses = JsonNode.Parse(initStatuses)!.AsArray();
        for (var i = 0; i < statuses.Count; i++)
        {
            statuses[i]!["name"] = i == 0 ? "a" : "b";
            statuses[i]!["restartCount"] = 0;
        }

        var status = new JsonObject
        {
            ["phase"] = "Pending",
            ["initContainerStatuses"] = statuses,
            ["containerStatuses"] = new JsonArray(new JsonObject { ["name"] = "main", ["restartCount"] = 0, ["state"] = JsonNode.Parse(mainState) }),
        };
        var (code, _) = await SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/pods/printed/status", new JsonObject { ["status"] = status }, "application/merge-patch+json");
        Assert.Equal(200, code);
        Assert.Equal(("0/1", expected), await StatusColumnAsync(pod.Metadata.Name));
    }

    private static V1Container Sh(string name, string script) => new() { Name = name, Image = ShImage, Args = ["-c", script] };

    /// <summary>The READY and STATUS cells of the pod's row in the server-side Table output, as <c>kubectl get pods</c> prints them.</summary>
    private async Task<(string Ready, string Status)> StatusColumnAsync(string pod)
    {
        var (status, table) = await SendAsync(HttpMethod.Get, $"/api/v1/namespaces/default/pods/{pod}", accept: "application/json;as=Table;v=v1;g=meta.k8s.io");
        Assert.Equal(200, status);
        var columns = table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ToList();
        var cells = table["rows"]![0]!["cells"]!.AsArray();
        string Cell(string column) => cells[columns.IndexOf(column)] is JsonValue value ? value.ToString() : "";
        return (Cell("Ready"), Cell("Status"));
    }
}
