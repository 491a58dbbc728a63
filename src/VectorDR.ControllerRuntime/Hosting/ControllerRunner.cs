using System.Collections.Concurrent;
using System.Diagnostics;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VectorDR.ControllerRuntime.Client;
using VectorDR.ControllerRuntime.Controllers;
using VectorDR.ControllerRuntime.Entities;
using VectorDR.ControllerRuntime.Informers;
using VectorDR.ControllerRuntime.LeaderElection;
using VectorDR.ControllerRuntime.Metrics;
using VectorDR.ControllerRuntime.Queue;

namespace VectorDR.ControllerRuntime.Hosting;

/// <summary>
/// Runs one controller: feeds its work queue from the informers (own kind, owned kinds, referenced kinds),
/// and while this instance leads, runs N workers that reconcile keys one at a time each.
/// </summary>
public sealed class ControllerRunner<TEntity> : BackgroundService where TEntity : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IServiceScopeFactory _scopes;
    private readonly InformerFactory _informers;
    private readonly SharedInformer<TEntity> _informer;
    private readonly ILeadership _leadership;
    private readonly FinalizerManager _finalizers;
    private readonly ControllerRegistration<TEntity> _registration;
    private readonly OperatorSettings _settings;
    private readonly ILogger _logger;
    private readonly WorkQueue<ObjectKey> _queue;
    private readonly string _name;
    private readonly ConcurrentDictionary<ObjectKey, TEntity> _tombstones = new();

    public ControllerRunner(IServiceScopeFactory scopes, InformerFactory informers, ILeadership leadership, FinalizerManager finalizers,
        ControllerRegistration<TEntity> registration, IOptions<OperatorSettings> settings, TimeProvider time, ILoggerFactory loggers)
    {
        _scopes = scopes;
        _informers = informers;
        _leadership = leadership;
        _finalizers = finalizers;
        _registration = registration;
        _settings = settings.Value;
        _name = EntityMetadata.For<TEntity>().Kind.ToLowerInvariant();
        _logger = loggers.CreateLogger($"VectorDR.ControllerRuntime.Controller.{EntityMetadata.For<TEntity>().Kind}");
        _queue = new WorkQueue<ObjectKey>(time, new BackoffPolicy(_settings.BackoffBase, _settings.BackoffMax))
        {
            DepthChanged = depth => RuntimeMetrics.QueueDepth.WithLabels(_name).Set(depth),
        };

        // Handlers are registered before the informers start, so no event is missed.
        _informer = informers.Get<TEntity>();
        _informer.AddHandler(OnEntityEvent);
        foreach (var watch in registration.WatchRegistrations) watch(informers, _informer, _queue.Add);
    }

    /// <summary>The controller's queue (exposed for tests and diagnostics).</summary>
    public WorkQueue<ObjectKey> Queue => _queue;

    private void OnEntityEvent(InformerEvent<TEntity> ev)
    {
        var key = ObjectKey.Of(ev.Object);
        if (ev.Kind == InformerEventKind.Deleted) _tombstones[key] = ev.Object;
        else _tombstones.TryRemove(key, out _);
        _queue.Add(key);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _informers.WaitForSyncAsync(stoppingToken).ConfigureAwait(false);
            while (!stoppingToken.IsCancellationRequested)
            {
                var term = await _leadership.WaitForLeadershipAsync(stoppingToken).ConfigureAwait(false);
                using var running = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, term);
                // A new leader starts from the whole cache: level-triggered, every object is reconciled once.
                foreach (var entity in _informer.List()) _queue.Add(ObjectKey.Of(entity));
                _logger.LogInformation("Starting {Workers} workers for {Controller}", _settings.Workers, _name);
                var workers = Enumerable.Range(0, Math.Max(1, _settings.Workers)).Select(_ => WorkerAsync(running.Token)).ToArray();
                await Task.WhenAll(workers).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _queue.ShutDown();
        }
    }

    private async Task WorkerAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            ObjectKey key;
            try
            {
                key = await _queue.GetAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await ProcessAsync(key, ct).ConfigureAwait(false);
            }
            finally
            {
                _queue.Done(key);
            }
        }
    }

    private async Task ProcessAsync(ObjectKey key, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        ReconciliationResult result;
        using var scope = _logger.BeginScope(new Dictionary<string, object> { ["controller"] = _name, ["object"] = key.ToString() });
        try
        {
            result = await ReconcileKeyAsync(key, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down or lost leadership: the next leader picks the key up from its own full resync.
            return;
        }
        catch (Exception e)
        {
            result = ReconciliationResult.Failure(e.Message, e);
        }
        finally
        {
            RuntimeMetrics.ReconcileDuration.WithLabels(_name).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        if (result.IsSuccess)
        {
            _queue.Forget(key);
            if (result.RequeueAfter is { } after)
            {
                _queue.AddAfter(key, after);
                RuntimeMetrics.ReconcileTotal.WithLabels(_name, "requeue_after").Inc();
            }
            else
            {
                RuntimeMetrics.ReconcileTotal.WithLabels(_name, "success").Inc();
            }
            return;
        }

        RuntimeMetrics.ReconcileTotal.WithLabels(_name, "error").Inc();
        RuntimeMetrics.ReconcileErrors.WithLabels(_name).Inc();
        if (result.RequeueAfter is { } requeue)
        {
            _queue.AddAfter(key, requeue);
            _logger.LogWarning(result.Error, "Reconcile of {Key} failed: {Error}; retrying in {Delay}", key, result.ErrorMessage, requeue);
        }
        else
        {
            var delay = _queue.AddRateLimited(key);
            _logger.LogWarning(result.Error, "Reconcile of {Key} failed: {Error}; retrying in {Delay}", key, result.ErrorMessage, delay);
        }
    }

    private async Task<ReconciliationResult> ReconcileKeyAsync(ObjectKey key, CancellationToken ct)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var controller = (IEntityController<TEntity>)scope.ServiceProvider.GetRequiredService(_registration.ControllerType);
        var entity = _informer.Get(key.Namespace, key.Name);
        if (entity is null)
        {
            return _tombstones.TryRemove(key, out var last)
                ? await controller.DeletedAsync(last, ct).ConfigureAwait(false)
                : ReconciliationResult.Success();
        }

        if (entity.Metadata.DeletionTimestamp is not null)
        {
            foreach (var (id, finalizerType) in _registration.Finalizers)
            {
                if (entity.Metadata.Finalizers?.Contains(id) != true) continue;
                var finalizer = (IEntityFinalizer<TEntity>)scope.ServiceProvider.GetRequiredService(finalizerType);
                _logger.LogInformation("Finalizing {Key} ({Finalizer})", key, id);
                await finalizer.FinalizeAsync(entity, ct).ConfigureAwait(false);
                entity = await _finalizers.RemoveAsync(entity, id, ct).ConfigureAwait(false);
            }
            return ReconciliationResult.Success();
        }

        var missing = _registration.Finalizers.Select(f => f.Id).Where(id => entity.Metadata.Finalizers?.Contains(id) != true).ToList();
        if (missing.Count > 0) entity = await _finalizers.AddAsync(entity, missing, ct).ConfigureAwait(false);

        return await controller.ReconcileAsync(entity, ct).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _queue.Dispose();
        base.Dispose();
    }
}
