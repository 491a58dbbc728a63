using System.Text.Json.Nodes;

namespace VectorDR.KubeEmulator.Jobs;

/// <summary>
/// The Job controller for one Job: keeps <c>min(parallelism, completions - succeeded)</c> pods active, replaces failed
/// pods after an exponential back-off, fails the Job past <c>backoffLimit</c> or <c>activeDeadlineSeconds</c>, completes
/// it at <c>completions</c>, writes <c>status</c> as the real controller does, and deletes the finished Job after
/// <c>ttlSecondsAfterFinished</c> (the TTL-after-finished controller).
/// </summary>
internal sealed class JobController
{
    private readonly JsonObject _job;
    private readonly IEmulatorCluster _cluster;
    private readonly LocalProcessJobRunnerOptions _options;
    private readonly Func<JsonObject, Action, PodWorker?> _createPod;
    private readonly EventRecorder _events;
    private readonly TimeProvider _time;
    private readonly List<PodWorker> _active = [];
    private readonly SemaphoreSlim _wake = new(0);
    private readonly string _name;
    private readonly string _namespace;
    private readonly string _uid;
    private int _succeeded;
    private int _failed;

    /// <summary>Restarts of containers in pods that are no longer active (restartPolicy OnFailure counts them as failures).</summary>
    private int _finishedRestarts;

    private DateTimeOffset? _lastFailure;

    /// <param name="createPod">Creates the pod object in the API and starts its worker (null when creation failed).</param>
    public JobController(JsonObject job, IEmulatorCluster cluster, LocalProcessJobRunnerOptions options, EventRecorder events, Func<JsonObject, Action, PodWorker?> createPod)
    {
        _events = events;
        _job = job;
        _cluster = cluster;
        _options = options;
        _createPod = createPod;
        _time = options.TimeProvider;
        _name = job["metadata"]!["name"]!.GetValue<string>();
        _namespace = job["metadata"]!["namespace"]!.GetValue<string>();
        _uid = job["metadata"]!["uid"]!.GetValue<string>();
    }

    /// <summary>Runs until the Job finishes (and its TTL expires) or <paramref name="jobGone"/> is cancelled (deleted / shutdown).</summary>
    public async Task RunAsync(CancellationToken jobGone)
    {
        try
        {
            await ReconcileAsync(jobGone);
        }
        catch (OperationCanceledException) when (jobGone.IsCancellationRequested)
        {
        }
        finally
        {
            // The Job is gone (or the emulator stops): its pods' containers are stopped like the kubelet stops them.
            await Task.WhenAll(_active.Select(w => w.StopAsync()));
        }
    }

    private async Task ReconcileAsync(CancellationToken jobGone)
    {
        var spec = _job["spec"] as JsonObject ?? [];
        var completions = (int)(spec["completions"]?.GetValue<long>() ?? 1);
        var parallelism = (int)(spec["parallelism"]?.GetValue<long>() ?? 1);
        var backoffLimit = (int)(spec["backoffLimit"]?.GetValue<long>() ?? 6);
        var startTime = _time.GetUtcNow();
        DateTimeOffset? deadline = spec["activeDeadlineSeconds"]?.GetValue<long>() is { } seconds ? startTime.AddSeconds(seconds) : null;

        if (spec["suspend"]?.GetValue<bool>() == true)
        {
            // Suspended Jobs start no pods; resuming a suspended Job is not emulated.
            WriteStatus(startTime: null, conditions: [Condition("Suspended", "JobSuspended", "Job suspended")]);
            return;
        }

        while (true)
        {
            string? imageFailure = null;
            foreach (var done in _active.Where(w => w.Completion.IsCompleted).ToList())
            {
                _active.Remove(done);
                _finishedRestarts += done.RestartCount;
                switch (await done.Completion)
                {
                    case PodOutcome.Succeeded:
                        _succeeded++;
                        break;
                    case PodOutcome.ImageUnavailable:
                        _failed++;
                        imageFailure = $"Pod {_namespace}/{done.Name}: {done.FailureMessage}";
                        DeletePod(done);
                        break;
                    default:
                        _failed++;
                        _lastFailure = _time.GetUtcNow();
                        break;
                }
            }

            var failures = _failed + _finishedRestarts + _active.Sum(w => w.RestartCount);
            if (imageFailure is not null)
            {
                await FailAsync(startTime, "ImagePullBackOff", imageFailure);
                break;
            }

            if (failures > backoffLimit)
            {
                await FailAsync(startTime, "BackoffLimitExceeded", "Job has reached the specified backoff limit");
                break;
            }

            if (_succeeded >= completions)
            {
                await CompleteAsync(startTime);
                break;
            }

            var now = _time.GetUtcNow();
            if (deadline is { } d && now >= d)
            {
                await FailAsync(startTime, "DeadlineExceeded", "Job was active longer than specified deadline");
                break;
            }

            // The Job controller's back-off: 10 s × 2^(failures-1) after the last failure (shortened by the options in tests).
            var wanted = Math.Min(parallelism, completions - _succeeded) - _active.Count;
            var backoffUntil = _lastFailure is { } last && _failed > 0
                ? last + PodWorker.Backoff(_options.PodFailureBackoff, _options.MaxPodFailureBackoff, _failed - 1)
                : now;
            if (wanted > 0 && now >= backoffUntil)
            {
                for (var i = 0; i < wanted; i++)
                {
                    if (_createPod(_job, Wake) is not { } worker)
                    {
                        // Could not create the pod (e.g. the namespace is terminating): try again after the back-off.
                        _lastFailure = now;
                        break;
                    }

                    _active.Add(worker);
                    _events.JobEvent(_job, "Normal", "SuccessfulCreate", $"Created pod: {worker.Name}");
                    _ = worker.Completion.ContinueWith(_ => Wake(), TaskScheduler.Default);
                }
            }

            WriteStatus(startTime);

            var wakeAt = new[] { deadline, wanted > 0 && backoffUntil > now ? backoffUntil : null }.Where(t => t is not null).Min();
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(jobGone);
            var woken = _wake.WaitAsync(waiting.Token);
            var timer = wakeAt is { } at ? Task.Delay(Max(at - _time.GetUtcNow(), TimeSpan.Zero), _time, waiting.Token) : Task.Delay(Timeout.Infinite, waiting.Token);
            await Task.WhenAny(woken, timer);

            // Cancel the loser: a cancelled semaphore wait takes no count, so no later wake-up is lost.
            await waiting.CancelAsync();
            jobGone.ThrowIfCancellationRequested();
        }

        await ExpireAsync(jobGone);
    }

    private void Wake() => _wake.Release();

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private async Task CompleteAsync(DateTimeOffset startTime)
    {
        var now = _time.GetUtcNow();
        var reached = Condition("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods");
        WriteStatus(startTime, [reached]);
        await TerminateActiveAsync(countAsFailed: false);
        WriteStatus(startTime, [reached, Condition("Complete", "CompletionsReached", "Reached expected number of succeeded pods")], completionTime: now);
        _events.JobEvent(_job, "Normal", "Completed", "Job completed");
    }

    /// <summary>
    /// As the Job controller since 1.31: FailureTarget first, then the active pods are terminated and deleted (counted as
    /// failed), and only then the terminal Failed condition.
    /// </summary>
    private async Task FailAsync(DateTimeOffset startTime, string reason, string message)
    {
        var target = Condition("FailureTarget", reason, message);
        WriteStatus(startTime, [target]);
        await TerminateActiveAsync(countAsFailed: true);
        WriteStatus(startTime, [target, Condition("Failed", reason, message)]);
        _events.JobEvent(_job, "Warning", reason, message);
    }

    private async Task TerminateActiveAsync(bool countAsFailed)
    {
        var stopping = _active.ToList();
        _active.Clear();
        await Task.WhenAll(stopping.Select(w => w.StopAsync()));
        foreach (var worker in stopping)
        {
            _finishedRestarts += worker.RestartCount;
            if (countAsFailed || await worker.Completion != PodOutcome.Succeeded)
            {
                _failed++;
            }
            else
            {
                _succeeded++;
            }

            DeletePod(worker);
        }
    }

    private void DeletePod(PodWorker worker)
    {
        try
        {
            _cluster.Delete("v1", "pods", worker.Namespace, worker.Name, "Background");
            _events.JobEvent(_job, "Normal", "SuccessfulDelete", $"Deleted pod: {worker.Name}");
        }
        catch (KubeEmulatorException e) when (e.StatusCode == 404)
        {
        }
    }

    /// <summary>The TTL-after-finished controller: deletes the finished Job (in the foreground, so its pods go first).</summary>
    private async Task ExpireAsync(CancellationToken jobGone)
    {
        if (_job["spec"]?["ttlSecondsAfterFinished"]?.GetValue<long>() is not { } ttl)
        {
            return;
        }

        await Task.Delay(TimeSpan.FromSeconds(ttl), _time, jobGone);
        if (_cluster.Get("batch/v1", "jobs", _namespace, _name) is { } job && job["metadata"]?["uid"]?.GetValue<string>() == _uid)
        {
            try
            {
                _cluster.Delete("batch/v1", "jobs", _namespace, _name, "Foreground");
            }
            catch (KubeEmulatorException e) when (e.StatusCode == 404)
            {
            }
        }
    }

    private void WriteStatus(DateTimeOffset? startTime, IReadOnlyList<JsonObject>? conditions = null, DateTimeOffset? completionTime = null)
    {
        var active = _active.Count;
        var ready = _active.Count(w => w.Ready);
        StatusWriter.Update(_cluster, "batch/v1", "jobs", _namespace, _name, _uid, status =>
        {
            if (startTime is { } started)
            {
                status["startTime"] ??= Storage.Meta.Timestamp(started);
            }

            // omitempty counters, as the real JobStatus serializes them; ready is a pointer and always present.
            SetOrRemove(status, "active", active);
            SetOrRemove(status, "succeeded", _succeeded);
            SetOrRemove(status, "failed", _failed);
            status["ready"] = ready;
            status["uncountedTerminatedPods"] ??= new JsonObject();
            if (conditions is not null)
            {
                var list = status["conditions"] as JsonArray ?? [];
                foreach (var condition in conditions)
                {
                    var type = condition["type"]!.GetValue<string>();
                    if (!list.OfType<JsonObject>().Any(c => c["type"]?.GetValue<string>() == type))
                    {
                        list.Add(condition.DeepClone());
                    }
                }

                status["conditions"] = list;
            }

            if (completionTime is { } completed)
            {
                status["completionTime"] = Storage.Meta.Timestamp(completed);
            }
        });
    }

    private static void SetOrRemove(JsonObject status, string field, int value)
    {
        if (value == 0)
        {
            status.Remove(field);
        }
        else
        {
            status[field] = value;
        }
    }

    private JsonObject Condition(string type, string reason, string message)
    {
        var now = Storage.Meta.Timestamp(_time.GetUtcNow());
        return new JsonObject
        {
            ["type"] = type,
            ["status"] = "True",
            ["lastProbeTime"] = now,
            ["lastTransitionTime"] = now,
            ["reason"] = reason,
            ["message"] = message,
        };
    }
}
