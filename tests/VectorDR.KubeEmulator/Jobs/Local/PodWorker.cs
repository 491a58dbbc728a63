using System.Text;
using System.Text.Json.Nodes;

namespace VectorDR.KubeEmulator.Jobs;

/// <summary>How a pod ended, as the Job controller sees it.</summary>
internal enum PodOutcome
{
    Succeeded,
    Failed,

    /// <summary>The pod was deleted while active (the Job controller counts it as failed).</summary>
    Deleted,

    /// <summary>The image can never be pulled (not in the image map).</summary>
    ImageUnavailable,
}

/// <summary>What every pod worker shares: the cluster, the kubelet's config resolution, logs, options.</summary>
internal sealed record PodWorkerContext(IEmulatorCluster Cluster, ContainerConfigResolver Resolver, LogStore Logs, EventRecorder Events, LocalProcessJobRunnerOptions Options);

/// <summary>
/// The kubelet for one pod: prepares its (first) container, runs it as a local process, restarts it under
/// restartPolicy OnFailure, and reports every state change in the pod's status. Stop requests come from the Job
/// controller (deadline, back-off limit, Job deleted), from the pod's deletion, or from emulator shutdown.
/// </summary>
internal sealed class PodWorker
{
    /// <summary>The kubelet reads at most the last 4 KiB of the termination-message file.</summary>
    private const int MaxTerminationMessageBytes = 4096;

    private readonly PodWorkerContext _context;
    private readonly JsonObject _pod;
    private readonly JsonObject _container;
    private readonly Action _changed;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private volatile bool _deleted;
    private volatile bool _shutdown;
    private volatile ContainerProcess? _process;
    private Task<PodOutcome>? _completion;
    private string? _lastContainerId;
    private string? _lastConfigError;
    private (ContainerState, ContainerState?, int)? _lastWritten;

    public PodWorker(JsonObject pod, string directory, PodWorkerContext context, Action changed)
    {
        _pod = pod;
        _container = (pod["spec"]?["containers"] as JsonArray)?[0] as JsonObject ?? [];
        _context = context;
        _changed = changed;
        _time = context.Options.TimeProvider;
        Directory = directory;
        Name = pod["metadata"]!["name"]!.GetValue<string>();
        Namespace = pod["metadata"]!["namespace"]!.GetValue<string>();
        Uid = pod["metadata"]!["uid"]!.GetValue<string>();
    }

    public string Name { get; }
    public string Namespace { get; }
    public string Uid { get; }
    public string Directory { get; }

    /// <summary>True while the container runs (the pod's Ready condition).</summary>
    public bool Ready { get; private set; }

    /// <summary>Container restarts so far (restartPolicy OnFailure).</summary>
    public int RestartCount { get; private set; }

    /// <summary>The running container's PID, if any.</summary>
    public int? ProcessId => _process?.Pid;

    public Task<PodOutcome> Completion => _completion ?? throw new InvalidOperationException("not started");

    /// <summary>The message of an <see cref="PodOutcome.ImageUnavailable"/> outcome.</summary>
    public string? FailureMessage { get; private set; }

    public void Start() => _completion = Task.Run(RunAsync);

    /// <summary>Stops the container like the kubelet for a terminating pod: SIGTERM, SIGKILL after the grace period.</summary>
    public Task<PodOutcome> StopAsync()
    {
        _stop.Cancel();
        return Completion;
    }

    /// <summary>The pod object is gone: stop, and write nothing more.</summary>
    public void OnDeleted()
    {
        _deleted = true;
        _stop.Cancel();
    }

    /// <summary>Emulator shutdown: SIGKILL now, no status writes.</summary>
    public void Kill()
    {
        _shutdown = true;
        _stop.Cancel();
        _process?.Kill();
    }

    private async Task<PodOutcome> RunAsync()
    {
        var startTime = _time.GetUtcNow();
        ContainerState? lastState = null;
        Write(new ContainerState.Waiting("ContainerCreating"), null, startTime);
        var terminationFile = Path.Combine(Directory, "termination-log");
        while (true)
        {
            var decision = await PrepareAsync(terminationFile, startTime);
            if (decision is null)
            {
                return Stopped(startTime, lastState);
            }

            if (decision is LaunchDecision.ImageUnavailable unavailable)
            {
                FailureMessage = unavailable.Message;
                return PodOutcome.ImageUnavailable;
            }

            var terminated = decision switch
            {
                LaunchDecision.Ready ready => await RunContainerAsync(ready.Launch, startTime, lastState),
                LaunchDecision.StartError error => new ContainerState.Terminated(128, "StartError", error.Message, _time.GetUtcNow(), _time.GetUtcNow()),
                _ => throw new InvalidOperationException(decision.ToString()),
            };
            if (_deleted || _shutdown)
            {
                return PodOutcome.Deleted;
            }

            var restart = terminated.ExitCode != 0 && _pod["spec"]?["restartPolicy"]?.GetValue<string>() == "OnFailure" && !_stop.IsCancellationRequested;
            if (!restart)
            {
                Write(terminated, lastState, startTime);
                return terminated.ExitCode == 0 ? PodOutcome.Succeeded : PodOutcome.Failed;
            }

            // Crash-loop back-off: the pod stays Running, the container waits, then restarts in place.
            var backoff = Backoff(_context.Options.ContainerRestartBackoff, _context.Options.MaxContainerRestartBackoff, RestartCount);
            RestartCount++;
            lastState = terminated;
            Write(new ContainerState.Waiting("CrashLoopBackOff",
                $"back-off {(int)backoff.TotalSeconds}s restarting failed container={_container["name"]} pod={Name}_{Namespace}({Uid})"), lastState, startTime);
            _changed();
            Event("Warning", "BackOff", $"Back-off restarting failed container {_container["name"]} in pod {Name}_{Namespace}({Uid})");
            if (!await DelayAsync(backoff))
            {
                if (_deleted || _shutdown)
                {
                    return PodOutcome.Deleted;
                }

                Write(terminated, null, startTime);
                return PodOutcome.Failed;
            }
        }
    }

    /// <summary>Builds the launch, waiting out configuration errors (retried, as the kubelet does) and showing image-pull failures. Null when stopped.</summary>
    private async Task<LaunchDecision?> PrepareAsync(string terminationFile, DateTimeOffset startTime)
    {
        while (true)
        {
            var decision = _context.Resolver.Resolve(_pod, _container, terminationFile);
            switch (decision)
            {
                case LaunchDecision.ConfigError error:
                    if (error.Message != _lastConfigError)
                    {
                        _lastConfigError = error.Message;
                        Event("Warning", "Failed", $"Error: {error.Message}");
                    }

                    Write(new ContainerState.Waiting("CreateContainerConfigError", error.Message), null, startTime);
                    if (!await DelayAsync(_context.Options.ConfigErrorRetryInterval))
                    {
                        return null;
                    }

                    continue;
                case LaunchDecision.ImageUnavailable unavailable:
                    var delay = _context.Options.UnmappedImageFailureDelay;
                    Event("Warning", "Failed", $"Failed to pull image \"{_container["image"]}\": not in the kube-emulator image map");
                    Write(new ContainerState.Waiting("ErrImagePull", unavailable.Message), null, startTime);
                    if (!await DelayAsync(delay / 2))
                    {
                        return null;
                    }

                    Event("Normal", "BackOff", $"Back-off pulling image \"{_container["image"]}\"");
                    Write(new ContainerState.Waiting("ImagePullBackOff", unavailable.Message), null, startTime);
                    return await DelayAsync(delay / 2) ? unavailable : null;
                default:
                    return decision;
            }
        }
    }

    private async Task<ContainerState.Terminated> RunContainerAsync(ContainerLaunch launch, DateTimeOffset startTime, ContainerState? lastState)
    {
        // Each container instance gets a fresh, empty termination-message file, as with a new container.
        await File.WriteAllBytesAsync(launch.TerminationMessageFile, []);
        var log = _context.Logs.StartInstance(Uid, Directory, _container["name"]?.GetValue<string>() ?? "");
        var containerName = _container["name"]?.GetValue<string>() ?? "";
        Event("Normal", "Pulled", $"Container image \"{_container["image"]}\" already present on machine");
        Event("Normal", "Created", $"Created container {containerName}");
        var startedAt = _time.GetUtcNow();
        ContainerProcess process;
        try
        {
            process = ContainerProcess.Start(launch, log);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            log.Complete();
            return new ContainerState.Terminated(128, "StartError",
                $"failed to create containerd task: exec: \"{launch.FileName}\": {e.Message}: unknown", startedAt, _time.GetUtcNow());
        }

        _process = process;
        Event("Normal", "Started", $"Started container {containerName}");
        var containerId = ContainerId(process);
        Ready = true;
        Write(new ContainerState.Running(startedAt), lastState, startTime, containerId);
        _changed();

        int exitCode;
        try
        {
            exitCode = await process.Exited.WaitAsync(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            if (_shutdown)
            {
                process.Kill();
                exitCode = await process.Exited;
            }
            else
            {
                Event("Normal", "Killing", $"Stopping container {containerName}");
                exitCode = await process.StopAsync(GracePeriod(), _time);
            }
        }

        _process = null;
        Ready = false;
        var message = await TerminationMessageAsync(launch.TerminationMessageFile, exitCode, log);
        var terminated = new ContainerState.Terminated(exitCode, exitCode == 0 ? "Completed" : "Error", message, startedAt, _time.GetUtcNow());
        _lastContainerId = containerId;
        return terminated;
    }

    private async Task<string?> TerminationMessageAsync(string file, int exitCode, ContainerLog log)
    {
        var message = "";
        if (File.Exists(file))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            message = Encoding.UTF8.GetString(bytes.Length > MaxTerminationMessageBytes ? bytes[^MaxTerminationMessageBytes..] : bytes);
        }

        if (message.Length == 0 && exitCode != 0 && _container["terminationMessagePolicy"]?.GetValue<string>() == "FallbackToLogsOnError")
        {
            message = log.FallbackMessage();
        }

        return message;
    }

    /// <summary>A pod stopped before its container ran: the kubelet's ContainerStatusUnknown.</summary>
    private PodOutcome Stopped(DateTimeOffset startTime, ContainerState? lastState)
    {
        if (_deleted || _shutdown)
        {
            return PodOutcome.Deleted;
        }

        var now = _time.GetUtcNow();
        Write(new ContainerState.Terminated(137, "ContainerStatusUnknown", "The container could not be located when the pod was terminated", now, now), lastState, startTime);
        return PodOutcome.Failed;
    }

    private TimeSpan GracePeriod()
    {
        var seconds = _pod["spec"]?["terminationGracePeriodSeconds"]?.GetValue<long>() ?? 30;
        var grace = TimeSpan.FromSeconds(Math.Max(0, seconds));
        return _context.Options.MaxTerminationGracePeriod is { } max && max < grace ? max : grace;
    }

    internal static TimeSpan Backoff(TimeSpan initial, TimeSpan max, int previousFailures)
    {
        var delay = initial * Math.Pow(2, Math.Min(previousFailures, 30));
        return delay > max ? max : delay;
    }

    /// <summary>Waits unless a stop is requested; false when stopped.</summary>
    private async Task<bool> DelayAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _time, _stop.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Write(ContainerState state, ContainerState? lastState, DateTimeOffset startTime, string? containerId = null)
    {
        if (_deleted || _shutdown)
        {
            return;
        }

        // The kubelet writes only changes: a container waiting for the same reason (e.g. a retried
        // CreateContainerConfigError) must not make a new resourceVersion, or watchers see endless MODIFIED events.
        var written = (state, lastState, RestartCount);
        if (written.Equals(_lastWritten))
        {
            return;
        }

        _lastWritten = written;
        containerId ??= _lastContainerId;
        var status = PodStatusBuilder.Build(_pod, startTime, state, lastState, RestartCount, containerId, _time.GetUtcNow());
        if (StatusWriter.Update(_context.Cluster, "v1", "pods", Namespace, Name, Uid, current =>
            {
                var previousConditions = (current["conditions"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
                current.Clear();
                foreach (var (key, value) in status)
                {
                    current[key] = value?.DeepClone();
                }

                // lastTransitionTime moves only when a condition's status does.
                foreach (var condition in (current["conditions"] as JsonArray)?.OfType<JsonObject>() ?? [])
                {
                    if (previousConditions.FirstOrDefault(c => c["type"]?.GetValue<string>() == condition["type"]?.GetValue<string>()) is { } previous &&
                        previous["status"]?.GetValue<string>() == condition["status"]?.GetValue<string>())
                    {
                        condition["lastTransitionTime"] = previous["lastTransitionTime"]?.DeepClone();
                    }
                }
            }) is null)
        {
            _deleted = true;
        }
    }

    private void Event(string type, string reason, string message)
    {
        if (!_deleted && !_shutdown)
        {
            _context.Events.PodEvent(_pod, type, reason, message);
        }
    }

    private static string ContainerId(ContainerProcess process) => $"kube-emulator://{process.Pid}";
}
