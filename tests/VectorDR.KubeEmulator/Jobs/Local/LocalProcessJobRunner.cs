using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace VectorDR.KubeEmulator.Jobs;

/// <summary>
/// Runs Jobs the way a cluster does, with local processes for containers: a <see cref="JobController"/> per Job creates
/// real Pod objects, a <see cref="PodWorker"/> per pod plays the kubelet (image map → executable, env from Secrets and
/// ConfigMaps, termination message, logs, status). Deleting a Job or a Pod stops its process; disposing the runner (the
/// emulator host does it) kills every process it started and removes its temporary folders.
/// </summary>
public sealed class LocalProcessJobRunner : IJobRunner, IPodLifecycleObserver, IPodLogSource, IAsyncDisposable
{
    private readonly LocalProcessJobRunnerOptions _options;
    private readonly ImageMap _images;
    private readonly PodFactory _pods;
    private readonly LogStore _logs;
    private readonly string _workDirectory;
    private readonly bool _ownsWorkDirectory;
    private readonly ConcurrentDictionary<string, RunningJob> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PodWorker> _workers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _shutdown = new();
    private int _disposed;

    public LocalProcessJobRunner(LocalProcessJobRunnerOptions? options = null)
    {
        _options = options ?? new LocalProcessJobRunnerOptions();
        _images = new ImageMap(_options.Images);
        _pods = new PodFactory(_options.NodeName);
        _logs = new LogStore(_options.LogLimitBytes);
        _ownsWorkDirectory = _options.WorkDirectory is null;
        _workDirectory = _options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "kube-emulator-jobs-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_workDirectory);
    }

    /// <summary>The folder holding one sub-folder per pod (its containers' folders and termination-message files, logs, emptyDir volumes).</summary>
    public string WorkDirectory => _workDirectory;

    /// <summary>The PID of the pod's running container process, or null (diagnostics and tests).</summary>
    public int? ProcessIdOf(string ns, string pod) =>
        _workers.Values.FirstOrDefault(w => w.Namespace == ns && w.Name == pod)?.ProcessId;

    /// <summary>PIDs of every container process running now.</summary>
    public IReadOnlyList<int> RunningProcessIds => _workers.Values.Select(w => w.ProcessId).OfType<int>().ToList();

    public Task OnJobCreatedAsync(JsonObject job, IEmulatorCluster cluster, CancellationToken cancellationToken)
    {
        if (_shutdown.IsCancellationRequested || job["metadata"]?["uid"]?.GetValue<string>() is not { } uid)
        {
            return Task.CompletedTask;
        }

        var resolver = new ContainerConfigResolver(_images, cluster, [.. _options.InheritedEnvironment],
            new Dictionary<string, string>(_options.PersistentVolumeClaims, StringComparer.Ordinal));
        var events = new EventRecorder(cluster, _options.TimeProvider, _options.NodeName);
        var context = new PodWorkerContext(cluster, resolver, _logs, events, _options);
        var controller = new JobController(job, cluster, _options, events, (j, changed) => StartPod(j, cluster, context, changed));
        var gone = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        var running = new RunningJob(gone);
        _jobs[uid] = running;
        // The notifier calls runners one at a time: the Job runs in the background so other Jobs are not held up.
        running.Task = Task.Run(async () =>
        {
            try
            {
                await controller.RunAsync(gone.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Console.Error.WriteLine($"kube-emulator: job controller for {job["metadata"]?["namespace"]}/{job["metadata"]?["name"]} failed: {e}");
            }
            finally
            {
                _jobs.TryRemove(uid, out _);
                gone.Dispose();
            }
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task OnJobDeletedAsync(JsonObject job, IEmulatorCluster cluster, CancellationToken cancellationToken)
    {
        // A deleted Job's processes are stopped whatever the propagation policy: with Orphan a real cluster would leave
        // the pods running, but a process nobody owns any more only gets in a test's way.
        if (job["metadata"]?["uid"]?.GetValue<string>() is { } uid && _jobs.TryGetValue(uid, out var running))
        {
            try
            {
                await running.Gone.CancelAsync();
            }
            catch (ObjectDisposedException)
            {
                // The controller finished in between.
            }
        }
    }

    public Task OnPodDeletedAsync(JsonObject pod, IEmulatorCluster cluster, CancellationToken cancellationToken)
    {
        if (pod["metadata"]?["uid"]?.GetValue<string>() is { } uid && _workers.TryGetValue(uid, out var worker))
        {
            worker.OnDeleted();
            _ = worker.Completion.ContinueWith(_ => Forget(worker), TaskScheduler.Default);
        }

        return Task.CompletedTask;
    }

    public async Task WriteLogAsync(PodLogRequest request, Stream output, CancellationToken cancellationToken)
    {
        var log = _logs.Find(request.PodUid, request.Container, request.Previous);
        if (log is null)
        {
            // The kubelet (validateContainerLogStatus) says why the container waits: PodInitializing while init containers
            // run, CreateContainerConfigError, and its own words for the image-pull reasons.
            var waiting = (_workers.TryGetValue(request.PodUid, out var worker) ? worker.WaitingReason(request.Container) : null) switch
            {
                "ErrImagePull" => "image can't be pulled",
                "ImagePullBackOff" => "trying and failing to pull image",
                { } reason => reason,
                null => "ContainerCreating",
            };
            throw new PodLogUnavailableException(request.Previous
                ? $"previous terminated container \"{request.Container}\" in pod \"{request.Pod}\" not found"
                : $"container \"{request.Container}\" in pod \"{request.Pod}\" is waiting to start: {waiting}");
        }

        var (data, position) = log.ReadFrom(0);
        if (request.TailLines is { } tail)
        {
            data = ContainerLog.TailLines(data, tail);
        }

        var remaining = request.LimitBytes ?? long.MaxValue;
        async Task<bool> WriteAsync(byte[] chunk)
        {
            var count = (int)Math.Min(chunk.Length, remaining);
            if (count > 0)
            {
                await output.WriteAsync(chunk.AsMemory(0, count), cancellationToken);
                remaining -= count;
            }

            return remaining > 0;
        }

        if (!await WriteAsync(data) || !request.Follow)
        {
            return;
        }

        while (true)
        {
            await log.WaitForChangeAsync(position, cancellationToken);
            (data, position) = log.ReadFrom(position);
            if (!await WriteAsync(data))
            {
                return;
            }

            // Output is drained before a log is completed, so nothing can follow once it is and the end is reached.
            if (log.Completed && log.ReadFrom(position).End == position)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _shutdown.CancelAsync();
        foreach (var worker in _workers.Values)
        {
            worker.Kill();
        }

        await Task.WhenAll(_jobs.Values.Select(j => j.Task ?? Task.CompletedTask));
        await Task.WhenAll(_workers.Values.Select(w => w.Completion.ContinueWith(_ => { }, TaskScheduler.Default)));

        _shutdown.Dispose();
        RemoveWorkDirectory();
    }

    private PodWorker? StartPod(JsonObject job, IEmulatorCluster cluster, PodWorkerContext context, Action changed)
    {
        if (_shutdown.IsCancellationRequested)
        {
            return null;
        }

        JsonObject pod;
        try
        {
            pod = cluster.Create("v1", "pods", job["metadata"]?["namespace"]?.GetValue<string>(), _pods.Create(job));
        }
        catch (KubeEmulatorException e)
        {
            Console.Error.WriteLine($"kube-emulator: cannot create a pod for job {job["metadata"]?["namespace"]}/{job["metadata"]?["name"]}: {e.Message}");
            return null;
        }

        var uid = pod["metadata"]!["uid"]!.GetValue<string>();
        var directory = Path.Combine(_workDirectory, $"{pod["metadata"]!["namespace"]}_{pod["metadata"]!["name"]}_{uid}");
        Directory.CreateDirectory(directory);
        var worker = new PodWorker(pod, directory, context, changed);
        _workers[uid] = worker;
        worker.Start();
        return worker;
    }

    /// <summary>
    /// Removes the pods' folders (and the work directory when the runner made it). Retried: a deleted pod's folder may be
    /// going at the same moment (<see cref="Forget"/>), which makes a recursive delete stop half-way.
    /// </summary>
    private void RemoveWorkDirectory()
    {
        for (var attempt = 0; attempt < 5 && Directory.Exists(_workDirectory); attempt++)
        {
            try
            {
                if (_ownsWorkDirectory)
                {
                    Directory.Delete(_workDirectory, recursive: true);
                    return;
                }

                foreach (var directory in Directory.GetDirectories(_workDirectory))
                {
                    Directory.Delete(directory, recursive: true);
                }

                return;
            }
            catch (IOException)
            {
                // Best effort after the retries: a file held open by an escaped process must not fail the shutdown.
            }
        }
    }

    /// <summary>A deleted pod's worker, logs and folder go, as the kubelet cleans up after a removed pod.</summary>
    private void Forget(PodWorker worker)
    {
        _workers.TryRemove(worker.Uid, out _);
        _logs.Forget(worker.Uid);
        try
        {
            Directory.Delete(worker.Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A Job being run: cancelling <see cref="Gone"/> stops it (Job deleted or shutdown).</summary>
    private sealed class RunningJob(CancellationTokenSource gone)
    {
        public CancellationTokenSource Gone { get; } = gone;
        public Task? Task { get; set; }
    }
}
