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
/// The kubelet for one pod: runs its init containers one at a time, in order, each to completion, then its (first)
/// container, each as a local process; restarts a failed one in place under restartPolicy OnFailure; and reports every
/// state change in the pod's status. Stop requests come from the Job controller (deadline, back-off limit, Job deleted),
/// from the pod's deletion, or from emulator shutdown, and stop whichever container runs at that moment.
/// </summary>
internal sealed class PodWorker
{
    /// <summary>The kubelet reads at most the last 4 KiB of the termination-message file.</summary>
    private const int MaxTerminationMessageBytes = 4096;

    private readonly PodWorkerContext _context;
    private readonly JsonObject _pod;

    /// <summary>The containers in the order they run: the init containers in spec order, then the main container (last).</summary>
    private readonly IReadOnlyList<JsonObject> _containers;
    private readonly int _initContainerCount;

    /// <summary>What the pod's status says about each of <see cref="_containers"/> (same indexes).</summary>
    private readonly ContainerSnapshot[] _statuses;
    private readonly Action _changed;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _statusGate = new();
    private volatile bool _deleted;
    private volatile bool _shutdown;
    private volatile ContainerProcess? _process;
    private Task<PodOutcome>? _completion;
    private (int Container, string Message)? _lastConfigError;
    private (ContainerSnapshot[] Statuses, bool Terminal)? _lastWritten;

    public PodWorker(JsonObject pod, string directory, PodWorkerContext context, Action changed)
    {
        _pod = pod;
        var initContainers = (pod["spec"]?["initContainers"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        var main = (pod["spec"]?["containers"] as JsonArray)?[0] as JsonObject ?? [];
        _containers = [.. initContainers, main];
        _initContainerCount = initContainers.Count;
        _statuses = [.. _containers.Select(c => ContainerSnapshot.Initial(c, initContainers.Count > 0))];
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

    /// <summary>True while the main container runs (the pod's Ready condition).</summary>
    public bool Ready { get; private set; }

    /// <summary>Container restarts so far, init containers' included (restartPolicy OnFailure; the Job controller counts them all).</summary>
    public int RestartCount { get; private set; }

    /// <summary>The running container's PID (init or main), if any.</summary>
    public int? ProcessId => _process?.Pid;

    public Task<PodOutcome> Completion => _completion ?? throw new InvalidOperationException("not started");

    /// <summary>The message of an <see cref="PodOutcome.ImageUnavailable"/> outcome.</summary>
    public string? FailureMessage { get; private set; }

    public void Start() => _completion = Task.Run(RunAsync);

    /// <summary>Why the named container is waiting now (e.g. PodInitializing), or null when it is not waiting or unknown.</summary>
    public string? WaitingReason(string container)
    {
        lock (_statusGate)
        {
            return _statuses.FirstOrDefault(s => s.Name == container)?.State is ContainerState.Waiting waiting ? waiting.Reason : null;
        }
    }

    /// <summary>Stops the running container like the kubelet for a terminating pod: SIGTERM, SIGKILL after the grace period.</summary>
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
        WriteStatus(startTime);
        for (var index = 0; index < _containers.Count; index++)
        {
            var outcome = await RunToEndAsync(index, startTime);

            // An init container that did not succeed ends the pod (restartPolicy Never, or a stop): the later init
            // containers and the main container are never started and keep waiting with PodInitializing, as with the kubelet.
            if (outcome != PodOutcome.Succeeded || index == _containers.Count - 1)
            {
                return outcome;
            }
        }

        throw new InvalidOperationException("a pod has at least one container");
    }

    /// <summary>Runs one container until it succeeds, or fails for good (restarted in place under OnFailure until then).</summary>
    private async Task<PodOutcome> RunToEndAsync(int index, DateTimeOffset startTime)
    {
        var isMain = index == _containers.Count - 1;
        var paths = ContainerPaths.For(Directory, _statuses[index].Name);
        System.IO.Directory.CreateDirectory(paths.ContainerDirectory);
        while (true)
        {
            var decision = await PrepareAsync(index, paths, startTime);
            if (decision is null)
            {
                return Stopped(index, startTime);
            }

            if (decision is LaunchDecision.ImageUnavailable unavailable)
            {
                FailureMessage = unavailable.Message;
                return PodOutcome.ImageUnavailable;
            }

            var terminated = decision switch
            {
                LaunchDecision.Ready ready => await RunContainerAsync(index, ready.Launch, startTime),
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
                // A succeeded init container lets the pod go on; anything else is the pod's end.
                Set(index, terminated, _statuses[index].LastState, startTime, terminal: isMain || terminated.ExitCode != 0);
                return terminated.ExitCode == 0 ? PodOutcome.Succeeded : PodOutcome.Failed;
            }

            // Crash-loop back-off: the container waits, then restarts in place (the pod stays Running, or Pending for an init container).
            var backoff = Backoff(_context.Options.ContainerRestartBackoff, _context.Options.MaxContainerRestartBackoff, _statuses[index].RestartCount);
            RestartCount++;
            var name = _statuses[index].Name;
            Set(index, new ContainerState.Waiting("CrashLoopBackOff", $"back-off {(int)backoff.TotalSeconds}s restarting failed container={name} pod={Name}_{Namespace}({Uid})"),
                terminated, startTime, restarted: true);
            _changed();
            Event(index, "Warning", "BackOff", $"Back-off restarting failed container {name} in pod {Name}_{Namespace}({Uid})");
            if (!await DelayAsync(backoff))
            {
                if (_deleted || _shutdown)
                {
                    return PodOutcome.Deleted;
                }

                Set(index, terminated, null, startTime, terminal: true);
                return PodOutcome.Failed;
            }
        }
    }

    /// <summary>Builds the launch, waiting out configuration errors (retried, as the kubelet does) and showing image-pull failures. Null when stopped.</summary>
    private async Task<LaunchDecision?> PrepareAsync(int index, ContainerPaths paths, DateTimeOffset startTime)
    {
        var container = _containers[index];
        var lastState = _statuses[index].LastState;
        while (true)
        {
            var decision = _context.Resolver.Resolve(_pod, container, paths);
            switch (decision)
            {
                case LaunchDecision.ConfigError error:
                    AnnounceOnce(index, error.Message, () => Event(index, "Warning", "Failed", $"Error: {error.Message}"));
                    Set(index, new ContainerState.Waiting("CreateContainerConfigError", error.Message), lastState, startTime);
                    if (!await DelayAsync(_context.Options.ConfigErrorRetryInterval))
                    {
                        return null;
                    }

                    continue;
                case LaunchDecision.MountError error:
                    AnnounceOnce(index, error.Message, () => PodEvent("Warning", "FailedMount", error.Message));
                    // The containers keep the waiting state they had before creation (ContainerCreating, or PodInitializing).
                    if (!await DelayAsync(_context.Options.ConfigErrorRetryInterval))
                    {
                        return null;
                    }

                    continue;
                case LaunchDecision.ImageUnavailable unavailable:
                    var delay = _context.Options.UnmappedImageFailureDelay;
                    Event(index, "Warning", "Failed", $"Failed to pull image \"{container["image"]}\": not in the kube-emulator image map");
                    Set(index, new ContainerState.Waiting("ErrImagePull", unavailable.Message), lastState, startTime);
                    if (!await DelayAsync(delay / 2))
                    {
                        return null;
                    }

                    Event(index, "Normal", "BackOff", $"Back-off pulling image \"{container["image"]}\"");
                    Set(index, new ContainerState.Waiting("ImagePullBackOff", unavailable.Message), lastState, startTime);
                    return await DelayAsync(delay / 2) ? unavailable : null;
                default:
                    return decision;
            }
        }
    }

    private async Task<ContainerState.Terminated> RunContainerAsync(int index, ContainerLaunch launch, DateTimeOffset startTime)
    {
        var container = _containers[index];
        var containerName = _statuses[index].Name;
        var isMain = index == _containers.Count - 1;

        // Each container instance gets a fresh, empty termination-message file, as with a new container.
        await File.WriteAllBytesAsync(launch.TerminationMessageFile, []);
        var log = _context.Logs.StartInstance(Uid, Directory, containerName);
        Event(index, "Normal", "Pulled", $"Container image \"{container["image"]}\" already present on machine");
        Event(index, "Normal", "Created", $"Created container {containerName}");
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
        Event(index, "Normal", "Started", $"Started container {containerName}");
        var containerId = ContainerId(process);
        Ready = isMain;
        Set(index, new ContainerState.Running(startedAt, containerId), _statuses[index].LastState, startTime);
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
                Event(index, "Normal", "Killing", $"Stopping container {containerName}");
                exitCode = await process.StopAsync(GracePeriod(), _time);
            }
        }

        _process = null;
        Ready = false;
        var message = await TerminationMessageAsync(container, launch.TerminationMessageFile, exitCode, log);
        return new ContainerState.Terminated(exitCode, exitCode == 0 ? "Completed" : "Error", message, startedAt, _time.GetUtcNow(), containerId);
    }

    /// <summary>The container's own termination message: its file's last 4 KiB, or its own log's tail under FallbackToLogsOnError.</summary>
    private static async Task<string?> TerminationMessageAsync(JsonObject container, string file, int exitCode, ContainerLog log)
    {
        var message = "";
        if (File.Exists(file))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            message = Encoding.UTF8.GetString(bytes.Length > MaxTerminationMessageBytes ? bytes[^MaxTerminationMessageBytes..] : bytes);
        }

        if (message.Length == 0 && exitCode != 0 && container["terminationMessagePolicy"]?.GetValue<string>() == "FallbackToLogsOnError")
        {
            message = log.FallbackMessage();
        }

        return message;
    }

    /// <summary>
    /// The pod was stopped while the container waited to start. For the main container this is the kubelet's
    /// ContainerStatusUnknown; an init container that never started keeps waiting (the kubelet's TerminatePod leaves the
    /// not-yet-started suffix of init containers alone: the pod was never initialised), and the pod is Failed.
    /// </summary>
    private PodOutcome Stopped(int index, DateTimeOffset startTime)
    {
        if (_deleted || _shutdown)
        {
            return PodOutcome.Deleted;
        }

        if (index < _initContainerCount)
        {
            WriteStatus(startTime, terminal: true);
            return PodOutcome.Failed;
        }

        var now = _time.GetUtcNow();
        Set(index, new ContainerState.Terminated(137, "ContainerStatusUnknown", "The container could not be located when the pod was terminated", now, now),
            _statuses[index].LastState, startTime, terminal: true);
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

    /// <summary>Records one container's new state (and restart) and writes the pod's status.</summary>
    private void Set(int index, ContainerState state, ContainerState? lastState, DateTimeOffset startTime, bool terminal = false, bool restarted = false)
    {
        lock (_statusGate)
        {
            var current = _statuses[index];
            _statuses[index] = current with { State = state, LastState = lastState, RestartCount = current.RestartCount + (restarted ? 1 : 0) };
        }

        WriteStatus(startTime, terminal);
    }

    private void WriteStatus(DateTimeOffset startTime, bool terminal = false)
    {
        if (_deleted || _shutdown)
        {
            return;
        }

        ContainerSnapshot[] statuses;
        lock (_statusGate)
        {
            statuses = [.. _statuses];
        }

        // The kubelet writes only changes: a container waiting for the same reason (e.g. a retried
        // CreateContainerConfigError) must not make a new resourceVersion, or watchers see endless MODIFIED events.
        if (_lastWritten is { } last && last.Terminal == terminal && last.Statuses.SequenceEqual(statuses))
        {
            return;
        }

        _lastWritten = (statuses, terminal);
        var status = PodStatusBuilder.Build(_pod, startTime, statuses[.._initContainerCount], statuses[^1], terminal, _time.GetUtcNow());
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

    /// <summary>A configuration or mount error that persists across retries is announced once per message, not on every retry.</summary>
    private void AnnounceOnce(int index, string message, Action announce)
    {
        if (_lastConfigError == (index, message))
        {
            return;
        }

        _lastConfigError = (index, message);
        announce();
    }

    /// <summary>A kubelet event about one container (its <c>involvedObject.fieldPath</c> names it).</summary>
    private void Event(int index, string type, string reason, string message)
    {
        var list = index < _initContainerCount ? "initContainers" : "containers";
        PodEvent(type, reason, message, $"spec.{list}{{{_statuses[index].Name}}}");
    }

    /// <summary>A kubelet event about the pod (or, with <paramref name="fieldPath"/>, one of its containers); none once it is deleted or shut down.</summary>
    private void PodEvent(string type, string reason, string message, string? fieldPath = null)
    {
        if (!_deleted && !_shutdown)
        {
            _context.Events.PodEvent(_pod, type, reason, message, fieldPath);
        }
    }

    private static string ContainerId(ContainerProcess process) => $"kube-emulator://{process.Pid}";
}
