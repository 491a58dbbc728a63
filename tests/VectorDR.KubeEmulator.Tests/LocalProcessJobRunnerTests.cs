using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace VectorDR.KubeEmulator.Tests;

/// <summary>The local-process Job runner against the Job controller's and kubelet's observable behaviour.</summary>
public sealed class LocalProcessJobRunnerTests : JobRunnerTestBase
{
    [Fact]
    public async Task Successful_job_runs_a_pod_whose_termination_message_and_logs_are_reported()
    {
        // The script writes to the literal /dev/termination-log (mapped in args) and reads env from the Downward API.
        await CreateJobAsync(ShJob("hello", """
            echo "hello from $HOSTNAME"; echo second line
            printf '{"pod":"%s","ns":"%s","same":%s}' "$POD_NAME" "$POD_NS" "$([ "$MSG" = "$TERMINATION_MESSAGE_PATH" ] && echo true || echo false)" > /dev/termination-log
            """, job => Container(job).Env =
        [
            new V1EnvVar { Name = "POD_NAME", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
            new V1EnvVar { Name = "POD_NS", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.namespace" } } },
            new V1EnvVar { Name = "MSG", Value = "/dev/termination-log" },
        ]));

        var job = await WaitForJobConditionAsync("hello", "Complete");
        Assert.Equal(1, job.Status.Succeeded);
        Assert.Null(job.Status.Failed);
        Assert.Null(job.Status.Active);
        Assert.NotNull(job.Status.StartTime);
        Assert.NotNull(job.Status.CompletionTime);
        Assert.Contains(job.Status.Conditions, c => c.Type == "SuccessCriteriaMet");

        var pod = Assert.Single(await PodsOfAsync("hello"));
        var name = pod.Metadata.Name;
        Assert.Matches("^hello-[a-z0-9]{5}$", name);
        Assert.Equal("Succeeded", pod.Status.Phase);
        Assert.Equal("emulator-node", pod.Spec.NodeName);
        Assert.Equal(job.Metadata.Uid, pod.Metadata.Labels["controller-uid"]);
        Assert.Equal(job.Metadata.Uid, pod.Metadata.Labels["batch.kubernetes.io/controller-uid"]);
        Assert.Equal("hello", pod.Metadata.Labels["batch.kubernetes.io/job-name"]);
        var owner = Assert.Single(pod.Metadata.OwnerReferences);
        Assert.True(owner.Controller);
        Assert.Equal(("Job", job.Metadata.Uid), (owner.Kind, owner.Uid));
        Assert.NotNull(pod.Status.StartTime);

        var terminated = Assert.Single(pod.Status.ContainerStatuses).State.Terminated;
        Assert.Equal((0, "Completed"), (terminated.ExitCode, terminated.Reason));
        Assert.Equal($$"""{"pod":"{{name}}","ns":"default","same":true}""", terminated.Message);
        Assert.NotNull(terminated.StartedAt);
        Assert.NotNull(terminated.FinishedAt);

        Assert.Equal($"hello from {name}\nsecond line\n", await LogAsync(name));
        Assert.Equal("second line\n", await LogAsync(name, "?tailLines=1"));
        Assert.Equal("hello", await LogAsync(name, "?limitBytes=5"));
        Assert.Equal($"hello from {name}\nsecond line\n", await LogAsync(name, "?follow=true&container=main"));
        var (status, body) = await SendAsync(HttpMethod.Get, $"/api/v1/namespaces/default/pods/{name}/log?container=other");
        Assert.Equal((400, $"container other is not valid for pod {name}"), (status, body["message"]!.GetValue<string>()));
        Assert.Equal(404, (await SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/pods/nope/log")).Status);

        // The Job controller's and kubelet's Events.
        var jobEvents = (await Client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=hello")).Items;
        Assert.Contains(jobEvents, e => e.Reason == "SuccessfulCreate" && e.Message == $"Created pod: {name}" && e.Source.Component == "job-controller");
        Assert.Contains(jobEvents, e => e.Reason == "Completed" && e.Message == "Job completed");
        var podEvents = (await Client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: $"involvedObject.name={name}")).Items;
        Assert.Equal(["Pulled", "Created", "Started"], podEvents.OrderBy(e => e.Metadata.ResourceVersion.Length).ThenBy(e => e.Metadata.ResourceVersion, StringComparer.Ordinal).Select(e => e.Reason));
    }

    [Fact]
    public async Task Following_a_running_containers_log_streams_until_it_exits()
    {
        // The follow request starts while the container sleeps between its two lines: it must wait for the second.
        await CreateJobAsync(ShJob("talker", "echo first; sleep 1; echo second"));
        var pod = await WaitForPodAsync("talker", p => p.Status?.Phase == "Running", "the pod to run");
        Assert.Equal("first\nsecond\n", await LogAsync(pod.Metadata.Name, "?follow=true"));
        await WaitForJobConditionAsync("talker", "Complete");
    }

    [Fact]
    public async Task Failing_pods_are_replaced_until_the_backoff_limit_then_the_job_fails()
    {
        await CreateJobAsync(ShJob("crash", "echo failing; exit 3", job => job.Spec.BackoffLimit = 2));

        var job = await WaitForJobConditionAsync("crash", "Failed");
        var failed = Assert.Single(job.Status.Conditions, c => c.Type == "Failed");
        Assert.Equal(("BackoffLimitExceeded", "Job has reached the specified backoff limit"), (failed.Reason, failed.Message));
        Assert.Contains(job.Status.Conditions, c => c.Type == "FailureTarget");
        Assert.Equal(3, job.Status.Failed);
        Assert.Null(job.Status.Succeeded);
        Assert.Null(job.Status.CompletionTime);

        var pods = await PodsOfAsync("crash");
        Assert.Equal(3, pods.Count);
        Assert.All(pods, p =>
        {
            Assert.Equal("Failed", p.Status.Phase);
            Assert.Equal((3, "Error"), (p.Status.ContainerStatuses[0].State.Terminated.ExitCode, p.Status.ContainerStatuses[0].State.Terminated.Reason));
        });

        // No more pods once the Job has failed.
        await Task.Delay(300);
        Assert.Equal(3, (await PodsOfAsync("crash")).Count);
    }

    [Fact]
    public async Task Restart_policy_OnFailure_restarts_the_container_in_the_same_pod()
    {
        await CreateJobAsync(ShJob("flaky", """
            if [ -f attempted ]; then echo second; echo recovered > "$TERMINATION_MESSAGE_PATH"; exit 0; fi
            touch attempted; echo first; exit 1
            """, job =>
        {
            job.Spec.BackoffLimit = 1;
            job.Spec.Template.Spec.RestartPolicy = "OnFailure";
        }));

        await WaitForJobConditionAsync("flaky", "Complete");
        var pod = Assert.Single(await PodsOfAsync("flaky"));
        var container = pod.Status.ContainerStatuses[0];
        Assert.Equal(1, container.RestartCount);
        Assert.Equal(1, container.LastState.Terminated.ExitCode);
        Assert.Equal("recovered\n", container.State.Terminated.Message);
        Assert.Equal("second\n", await LogAsync(pod.Metadata.Name));
        Assert.Equal("first\n", await LogAsync(pod.Metadata.Name, "?previous=true"));
    }

    [Fact]
    public async Task Secret_and_config_map_references_reach_the_process()
    {
        const string password = "s3cr3t-Value!";
        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "creds" }, StringData = new Dictionary<string, string> { ["password"] = password } }, "default");
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "settings" }, Data = new Dictionary<string, string> { ["mode"] = "fast" } }, "default");
        // command (not args) replaces the entrypoint: "sh" is found on PATH. Only a hash of the secret leaves the process.
        await CreateJobAsync(ShJob("secret", "", job =>
        {
            Container(job).Args = null;
            Container(job).Command = ["sh", "-c", "printf '%s' \"$PASSWORD\" | sha256sum | cut -c1-64 > \"$TERMINATION_MESSAGE_PATH\"; echo \"mode=$(MODE_TEXT)\""];
            Container(job).Env =
            [
                new V1EnvVar { Name = "PASSWORD", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "creds", Key = "password" } } },
                new V1EnvVar { Name = "MODE", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = "settings", Key = "mode" } } },
                new V1EnvVar { Name = "MODE_TEXT", Value = "$(MODE)-mode" },
            ];
        }));

        await WaitForJobConditionAsync("secret", "Complete");
        var pod = Assert.Single(await PodsOfAsync("secret"));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(password))), pod.Status.ContainerStatuses[0].State.Terminated.Message.Trim());
        Assert.Equal("mode=fast-mode\n", await LogAsync(pod.Metadata.Name));
    }

    [Fact]
    public async Task Missing_secret_or_key_keeps_the_container_waiting_with_CreateContainerConfigError_until_it_appears()
    {
        static V1EnvVar Ref(string secret, string key) =>
            new() { Name = "TOKEN", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secret, Key = key } } };
        await CreateJobAsync(ShJob("nosecret", "echo started", job => Container(job).Env = [Ref("absent", "token")]));
        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "partial" }, StringData = new Dictionary<string, string> { ["other"] = "x" } }, "default");
        await CreateJobAsync(ShJob("nokey", "echo started", job => Container(job).Env = [Ref("partial", "token")]));

        var pod = await WaitForPodAsync("nosecret", p => p.Status?.ContainerStatuses?[0].State.Waiting?.Reason == "CreateContainerConfigError", "CreateContainerConfigError");
        Assert.Equal("secret \"absent\" not found", pod.Status.ContainerStatuses[0].State.Waiting.Message);
        Assert.Equal("Pending", pod.Status.Phase);
        var keyPod = await WaitForPodAsync("nokey", p => p.Status?.ContainerStatuses?[0].State.Waiting?.Reason == "CreateContainerConfigError", "CreateContainerConfigError");
        Assert.Equal("couldn't find key token in Secret default/partial", keyPod.Status.ContainerStatuses[0].State.Waiting.Message);

        // No process was started: there is no log (the kubelet says why the container waits), and the Job is still active.
        var (status, body) = await SendAsync(HttpMethod.Get, $"/api/v1/namespaces/default/pods/{pod.Metadata.Name}/log");
        Assert.Equal((400, $"container \"main\" in pod \"{pod.Metadata.Name}\" is waiting to start: CreateContainerConfigError"), (status, body["message"]!.GetValue<string>()));
        Assert.Equal(1, (await Client.BatchV1.ReadNamespacedJobAsync("nosecret", "default")).Status.Active);

        // Retries that change nothing write nothing (no new resourceVersion, no watch events).
        var resourceVersion = (await Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, "default")).Metadata.ResourceVersion;
        await Task.Delay(400);
        Assert.Equal(resourceVersion, (await Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, "default")).Metadata.ResourceVersion);

        // The kubelet keeps retrying: once the Secret exists the container starts.
        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "absent" }, StringData = new Dictionary<string, string> { ["token"] = "t" } }, "default");
        await WaitForJobConditionAsync("nosecret", "Complete");
    }

    [Fact]
    public async Task Active_deadline_kills_the_process_tree_even_when_it_ignores_SIGTERM()
    {
        // SIGTERM is ignored (inherited by the sleep), so the kubelet must escalate to SIGKILL after the grace period.
        await CreateJobAsync(ShJob("slow", "trap '' TERM; sleep 60 & echo \"pids $$$$ $!\"; wait", job => job.Spec.ActiveDeadlineSeconds = 1));
        var pod = await WaitForPodAsync("slow", p => p.Status?.Phase == "Running", "the pod to run");
        var pids = await PidsFromLogAsync(pod.Metadata.Name);
        Assert.Equal(pids[0], Runner.ProcessIdOf("default", pod.Metadata.Name));
        Assert.All(pids, pid => Assert.False(ProcessGone(pid)));

        var job = await WaitForJobConditionAsync("slow", "Failed");
        var failed = Assert.Single(job.Status.Conditions, c => c.Type == "Failed");
        Assert.Equal(("DeadlineExceeded", "Job was active longer than specified deadline"), (failed.Reason, failed.Message));
        Assert.Equal(1, job.Status.Failed);
        Assert.All(pids, pid => Assert.True(ProcessGone(pid), $"process {pid} still runs"));
        // The Job controller deletes the active pods of a failed Job.
        await Eventually(async () => (await PodsOfAsync("slow")).Count == 0, "the pod to be deleted");
    }

    [Fact]
    public async Task Deleting_a_running_job_kills_its_process_and_its_pods_go()
    {
        await CreateJobAsync(ShJob("doomed", "sleep 60 & echo \"pids $$$$ $!\"; wait"));
        var pod = await WaitForPodAsync("doomed", p => p.Status?.Phase == "Running", "the pod to run");
        var pids = await PidsFromLogAsync(pod.Metadata.Name);

        await Client.BatchV1.DeleteNamespacedJobAsync("doomed", "default", propagationPolicy: "Background");
        await Eventually(() => Task.FromResult(pids.All(ProcessGone)), "the processes to be killed");
        await Eventually(async () => (await PodsOfAsync("doomed")).Count == 0, "the pods to be collected");
    }

    [Fact]
    public async Task Deleting_a_running_pod_kills_it_and_the_job_replaces_it_counting_a_failure()
    {
        await CreateJobAsync(ShJob("replaced", "sleep 60 & echo \"pids $$$$ $!\"; wait", job => job.Spec.BackoffLimit = 3));
        var first = await WaitForPodAsync("replaced", p => p.Status?.Phase == "Running", "the pod to run");
        var pids = await PidsFromLogAsync(first.Metadata.Name);

        await Client.CoreV1.DeleteNamespacedPodAsync(first.Metadata.Name, "default");
        await Eventually(() => Task.FromResult(pids.All(ProcessGone)), "the processes to be killed");
        var second = await WaitForPodAsync("replaced", p => p.Metadata.Name != first.Metadata.Name, "a replacement pod");
        Assert.NotEqual(first.Metadata.Uid, second.Metadata.Uid);
        await Eventually(async () => (await Client.BatchV1.ReadNamespacedJobAsync("replaced", "default")).Status.Failed == 1, "the deleted pod to count as failed");
    }

    [Fact]
    public async Task FallbackToLogsOnError_uses_the_last_80_lines_of_the_log()
    {
        await CreateJobAsync(ShJob("noisy", "i=1; while [ $i -le 100 ]; do echo line$i; i=$((i+1)); done; exit 1",
            job => Container(job).TerminationMessagePolicy = "FallbackToLogsOnError"));

        await WaitForJobConditionAsync("noisy", "Failed");
        var message = Assert.Single(await PodsOfAsync("noisy")).Status.ContainerStatuses[0].State.Terminated.Message;
        Assert.StartsWith("line21\n", message);
        Assert.EndsWith("line100\n", message);
        Assert.Equal(80, message.TrimEnd('\n').Split('\n').Length);
    }

    [Fact]
    public async Task An_image_missing_from_the_map_shows_ImagePullBackOff_and_fails_the_job()
    {
        await CreateJobAsync(ShJob("unmapped", "true", job => Container(job).Image = "example.com/nowhere:2.0"));
        var pod = await WaitForPodAsync("unmapped", p => p.Status?.ContainerStatuses?[0].State.Waiting?.Reason is "ErrImagePull" or "ImagePullBackOff", "an image pull error");
        Assert.Equal("Pending", pod.Status.Phase);
        Assert.Contains("example.com/nowhere:2.0", pod.Status.ContainerStatuses[0].State.Waiting.Message);

        var job = await WaitForJobConditionAsync("unmapped", "Failed");
        var failed = Assert.Single(job.Status.Conditions, c => c.Type == "Failed");
        Assert.Equal("ImagePullBackOff", failed.Reason);
        Assert.Contains("\"example.com/nowhere:2.0\"", failed.Message);
        Assert.Contains("image map", failed.Message);
    }

    [Fact]
    public async Task A_finished_job_is_deleted_after_ttlSecondsAfterFinished()
    {
        await CreateJobAsync(ShJob("shortlived", "true", job => job.Spec.TtlSecondsAfterFinished = 0));
        await Eventually(async () => (await Client.BatchV1.ListNamespacedJobAsync("default")).Items.All(j => j.Metadata.Name != "shortlived"), "the TTL controller to delete the job");
        await Eventually(async () => (await PodsOfAsync("shortlived")).Count == 0, "its pods to go");
    }

    [Fact]
    public async Task Volume_mounts_of_hostPath_emptyDir_and_mapped_claims_are_honoured_by_path_substitution()
    {
        using var host = new TempDirectory();
        await CreateJobAsync(ShJob("volumes", """
            echo from-host-path > /backup/out.txt
            echo scratch > /scratch/s.txt
            echo "dir=$DIR cwd=$(pwd) scratch=$(cat /scratch/s.txt)" > /dev/termination-log
            """, job =>
        {
            job.Spec.Template.Spec.Volumes =
            [
                new V1Volume { Name = "backup", HostPath = new V1HostPathVolumeSource { Path = host.Path } },
                new V1Volume { Name = "scratch", EmptyDir = new V1EmptyDirVolumeSource() },
            ];
            Container(job).VolumeMounts =
            [
                new V1VolumeMount { Name = "backup", MountPath = "/backup" },
                new V1VolumeMount { Name = "scratch", MountPath = "/scratch" },
            ];
            Container(job).WorkingDir = "/backup";
            Container(job).Env = [new V1EnvVar { Name = "DIR", Value = "/backup" }];
        }));

        await WaitForJobConditionAsync("volumes", "Complete");
        Assert.Equal("from-host-path\n", await File.ReadAllTextAsync(Path.Combine(host.Path, "out.txt")));
        var message = Assert.Single(await PodsOfAsync("volumes")).Status.ContainerStatuses[0].State.Terminated.Message;
        Assert.Equal($"dir={host.Path} cwd={host.Path} scratch=scratch\n", message);
    }

    [Fact]
    public async Task Secret_and_config_map_volumes_hold_their_keys_as_files()
    {
        var pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "tls" },
            Data = new Dictionary<string, byte[]> { ["ca.crt"] = Encoding.UTF8.GetBytes(pem), ["tls.key"] = [1, 2, 3] },
        }, "default");
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "conf" }, Data = new Dictionary<string, string> { ["a.txt"] = "alpha", ["b.txt"] = "beta" },
        }, "default");
        await CreateJobAsync(ShJob("files", """
            echo "ca=$(sha256sum < "$CA" | cut -c1-64) tls=$(ls /etc/tls) conf=$(cat /etc/conf/a.txt)+$(cat /etc/conf/b.txt)" > /dev/termination-log
            """, job =>
        {
            job.Spec.Template.Spec.Volumes =
            [
                // items: only the listed keys, at their paths
                new V1Volume { Name = "tls", Secret = new V1SecretVolumeSource { SecretName = "tls", Items = [new V1KeyToPath { Key = "ca.crt", Path = "certs/ca.pem" }] } },
                new V1Volume { Name = "conf", ConfigMap = new V1ConfigMapVolumeSource { Name = "conf" } },
            ];
            Container(job).VolumeMounts =
            [
                new V1VolumeMount { Name = "tls", MountPath = "/etc/tls", ReadOnlyProperty = true },
                new V1VolumeMount { Name = "conf", MountPath = "/etc/conf" },
            ];
            Container(job).Env = [new V1EnvVar { Name = "CA", Value = "/etc/tls/certs/ca.pem" }];
        }));

        await WaitForJobConditionAsync("files", "Complete");
        var message = Assert.Single(await PodsOfAsync("files")).Status.ContainerStatuses[0].State.Terminated.Message;
        Assert.Equal($"ca={Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(pem)))} tls=certs conf=alpha+beta\n", message);
    }

    [Fact]
    public async Task A_volume_whose_Secret_or_key_is_missing_is_FailedMount_and_the_pod_waits_until_it_appears()
    {
        await CreateJobAsync(ShJob("nomount", "echo started", job =>
        {
            job.Spec.Template.Spec.Volumes = [new V1Volume { Name = "ca", Secret = new V1SecretVolumeSource { SecretName = "later", Items = [new V1KeyToPath { Key = "ca.crt", Path = "ca.crt" }] } }];
            Container(job).VolumeMounts = [new V1VolumeMount { Name = "ca", MountPath = "/etc/ca" }];
        }));

        async Task<Corev1Event> FailedMountAsync(string message)
        {
            Corev1Event? found = null;
            await Eventually(async () =>
            {
                var events = (await Client.CoreV1.ListNamespacedEventAsync("default")).Items;
                found = events.FirstOrDefault(e => e.Reason == "FailedMount" && e.Message == message);
                return found is not null;
            }, $"a FailedMount event: {message}");
            return found!;
        }

        var missing = await FailedMountAsync("MountVolume.SetUp failed for volume \"ca\" : secret \"later\" not found");
        Assert.Equal(("Warning", "Pod"), (missing.Type, missing.InvolvedObject.Kind));
        var pod = Assert.Single(await PodsOfAsync("nomount"));
        Assert.Equal(("Pending", "ContainerCreating"), (pod.Status.Phase, pod.Status.ContainerStatuses[0].State.Waiting.Reason));

        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "later" }, StringData = new Dictionary<string, string> { ["other"] = "x" } }, "default");
        await FailedMountAsync("MountVolume.SetUp failed for volume \"ca\" : references non-existent secret key: ca.crt");

        await Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("""{"stringData":{"ca.crt":"pem"}}""", V1Patch.PatchType.MergePatch), "later", "default");
        await WaitForJobConditionAsync("nomount", "Complete");
    }

    [Fact]
    public async Task Disposing_the_emulator_kills_every_process_and_removes_its_folders()
    {
        var runner = new Jobs.LocalProcessJobRunner(RunnerOptions);
        var host = await KubeEmulatorHost.StartAsync(new KubeEmulatorOptions { JobRunner = runner });
        using var client = new Kubernetes(host.ClientConfiguration);
        await client.BatchV1.CreateNamespacedJobAsync(ShJob("forever", "sleep 60"), "default");
        await Eventually(() => Task.FromResult(runner.RunningProcessIds.Count == 1), "the process to start");
        var pid = runner.RunningProcessIds[0];

        await host.DisposeAsync();
        Assert.True(ProcessGone(pid));
        Assert.False(Directory.Exists(runner.WorkDirectory));
    }
}
