using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using VectorDR.ControllerRuntime.Client;
using VectorDR.ControllerRuntime.Entities;
using VectorDR.ControllerRuntime.Metrics;
using VectorDR.ControllerRuntime.Queue;

namespace VectorDR.ControllerRuntime.Informers;

public enum InformerEventKind { Added, Modified, Deleted }

public readonly record struct InformerEvent<T>(InformerEventKind Kind, T Object);

/// <summary>Read access to an informer's local cache: controllers read from here instead of sending GETs.</summary>
public interface IResourceCache<T> where T : IKubernetesObject<V1ObjectMeta>
{
    bool HasSynced { get; }
    T? Get(string? @namespace, string name);
    IReadOnlyList<T> List(string? @namespace = null);
}

public interface ISharedInformer
{
    string Resource { get; }
    bool HasSynced { get; }
    Task WaitForSyncAsync(CancellationToken ct);
    Task RunAsync(CancellationToken ct);
}

public sealed record InformerOptions
{
    /// <summary>Server-side watch timeout; the watch is re-opened from the last resourceVersion after it.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);
    public BackoffPolicy ReconnectBackoff { get; init; } = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30));

    /// <summary>Trims each object before it is cached (see <see cref="ICacheTransform"/>); managedFields are always dropped.</summary>
    public Func<object, object>? Transform { get; init; }
}

/// <summary>
/// List, then watch from the list's resourceVersion, for each watched namespace (or the whole cluster).
/// Bookmarks advance the resourceVersion; 410 Gone (history compacted) forces a re-list whose differences
/// are replayed as events; any other failure reconnects with exponential backoff.
/// </summary>
public sealed class SharedInformer<T> : IResourceCache<T>, ISharedInformer where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly KubeApiClient _client;
    private readonly IReadOnlyList<string?> _scopes;
    private readonly InformerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ObjectKey, T> _cache = new();
    // resourceVersion last published per key: a re-list replays unchanged objects, which are not events.
    private readonly ConcurrentDictionary<ObjectKey, string?> _lastSeen = new();
    private readonly List<Action<InformerEvent<T>>> _handlers = [];
    private readonly object _handlersGate = new();
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _scopesSynced;

    public SharedInformer(KubeApiClient client, IReadOnlyList<string> namespaces, InformerOptions options, TimeProvider time, ILogger logger)
    {
        _client = client;
        var meta = EntityMetadata.For<T>();
        _scopes = !meta.Namespaced || namespaces.Count == 0 ? [null] : namespaces.Distinct().Cast<string?>().ToList();
        _options = options;
        _time = time;
        _logger = logger;
        Resource = string.IsNullOrEmpty(meta.Group) ? meta.Plural : $"{meta.Plural}.{meta.Group}";
    }

    public string Resource { get; }
    public bool HasSynced => _synced.Task.IsCompleted;
    public Task WaitForSyncAsync(CancellationToken ct) => _synced.Task.WaitAsync(ct);

    public T? Get(string? @namespace, string name) => _cache.GetValueOrDefault(new ObjectKey(@namespace, name));

    public IReadOnlyList<T> List(string? @namespace = null) =>
        _cache.Values.Where(o => @namespace is null || o.Metadata.NamespaceProperty == @namespace).ToList();

    /// <summary>Registers a handler; objects already cached are replayed to it as Added.</summary>
    public void AddHandler(Action<InformerEvent<T>> handler)
    {
        lock (_handlersGate)
        {
            _handlers.Add(handler);
            foreach (var obj in _cache.Values) handler(new InformerEvent<T>(InformerEventKind.Added, obj));
        }
    }

    public Task RunAsync(CancellationToken ct) => Task.WhenAll(_scopes.Select(scope => RunScopeAsync(scope, ct)));

    private async Task RunScopeAsync(string? scope, CancellationToken ct)
    {
        string? resourceVersion = null;
        var failures = 0;
        var synced = false;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    resourceVersion = await RelistAsync(scope, ct).ConfigureAwait(false);
                    if (!synced)
                    {
                        synced = true;
                        if (Interlocked.Increment(ref _scopesSynced) == _scopes.Count) _synced.TrySetResult();
                    }
                }

                var opened = _time.GetTimestamp();
                var received = false;
                var timeout = (int)_options.WatchTimeout.TotalSeconds;
                // Jitter spreads re-watches of many informers, as client-go does.
                timeout += Random.Shared.Next(0, Math.Max(1, timeout / 5));
                await foreach (var ev in _client.WatchAsync<T>(scope, resourceVersion, timeout, ct).ConfigureAwait(false))
                {
                    failures = 0;
                    received = true;
                    switch (ev.Kind)
                    {
                        case WatchEventKind.Bookmark:
                            resourceVersion = ev.ResourceVersion ?? resourceVersion;
                            break;
                        case WatchEventKind.Error when ev.Error?.Code == 410:
                            throw new KubeApiException(System.Net.HttpStatusCode.Gone, ev.Error, "WATCH", Resource);
                        case WatchEventKind.Error:
                            throw new KubeApiException((System.Net.HttpStatusCode)(ev.Error?.Code ?? 500), ev.Error, "WATCH", Resource);
                        case WatchEventKind.Deleted:
                            resourceVersion = ev.ResourceVersion ?? resourceVersion;
                            if (_cache.TryRemove(ObjectKey.Of(ev.Object!), out _)) Publish(InformerEventKind.Deleted, ev.Object!);
                            break;
                        default:
                            resourceVersion = ev.ResourceVersion ?? resourceVersion;
                            Upsert(ev.Object!);
                            break;
                    }
                }
                RuntimeMetrics.WatchRestarts.WithLabels(Resource, "closed").Inc();
                _logger.LogDebug("Watch of {Resource} in {Scope} closed at resourceVersion {ResourceVersion}; re-watching", Resource, scope ?? "*", resourceVersion);
                // A server that closes watches at once must not be hammered: back off as on an error.
                if (!received && _time.GetElapsedTime(opened) < TimeSpan.FromSeconds(1))
                    await Task.Delay(_options.ReconnectBackoff.For(failures++), _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (KubeApiException e) when (e.IsGone)
            {
                RuntimeMetrics.WatchRestarts.WithLabels(Resource, "gone").Inc();
                _logger.LogInformation("Watch of {Resource} in {Scope}: resourceVersion {ResourceVersion} is gone; re-listing", Resource, scope ?? "*", resourceVersion);
                resourceVersion = null;
            }
            catch (Exception e)
            {
                RuntimeMetrics.WatchRestarts.WithLabels(Resource, "error").Inc();
                var delay = _options.ReconnectBackoff.For(failures++);
                _logger.LogWarning(e, "Watch of {Resource} in {Scope} failed; reconnecting in {Delay}", Resource, scope ?? "*", delay);
                try
                {
                    await Task.Delay(delay, _time, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<string> RelistAsync(string? scope, CancellationToken ct)
    {
        var list = await _client.ListAsync<T>(scope, null, ct).ConfigureAwait(false);
        var seen = new HashSet<ObjectKey>();
        foreach (var item in list.Items)
        {
            seen.Add(ObjectKey.Of(item));
            Upsert(item);
        }
        // Objects deleted while we were not watching: replay their deletion.
        foreach (var (key, obj) in _cache)
        {
            if (seen.Contains(key) || (scope is not null && key.Namespace != scope)) continue;
            if (_cache.TryRemove(key, out _)) Publish(InformerEventKind.Deleted, obj);
        }
        _logger.LogDebug("Listed {Count} {Resource} in {Scope} at resourceVersion {ResourceVersion}", list.Items.Count, Resource, scope ?? "*", list.ResourceVersion);
        return list.ResourceVersion;
    }

    private void Upsert(T obj)
    {
        // Server-side apply bookkeeping: large, and never read by a controller.
        obj.Metadata.ManagedFields = null;
        if (_options.Transform is { } transform) obj = (T)transform(obj);
        var key = ObjectKey.Of(obj);
        var added = true;
        _cache.AddOrUpdate(key, obj, (_, old) =>
        {
            added = false;
            return obj;
        });
        // A re-list brings back unchanged objects; only real changes are events.
        if (!added && _lastSeen.TryGetValue(key, out var rv) && rv == obj.Metadata.ResourceVersion) return;
        _lastSeen[key] = obj.Metadata.ResourceVersion;
        Publish(added ? InformerEventKind.Added : InformerEventKind.Modified, obj);
    }

    private void Publish(InformerEventKind kind, T obj)
    {
        if (kind == InformerEventKind.Deleted) _lastSeen.TryRemove(ObjectKey.Of(obj), out _);
        lock (_handlersGate)
        {
            foreach (var handler in _handlers)
            {
                try
                {
                    handler(new InformerEvent<T>(kind, obj));
                }
                catch (Exception e)
                {
                    _logger.LogError(e, "Informer handler for {Resource} threw", Resource);
                }
            }
        }
    }
}
