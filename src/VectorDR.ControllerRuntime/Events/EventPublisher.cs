using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VectorDR.ControllerRuntime.Client;
using VectorDR.ControllerRuntime.Hosting;

namespace VectorDR.ControllerRuntime.Events;

public enum EventType { Normal, Warning }

/// <summary>Writes core/v1 Events about an object (shown by <c>kubectl describe</c>).</summary>
public interface IEventPublisher
{
    Task PublishAsync(IKubernetesObject<V1ObjectMeta> involvedObject, string reason, string message, EventType type, CancellationToken cancellationToken);
}

/// <summary>
/// Like client-go's recorder: events are queued and written in the background, off the reconcile path (a full
/// queue drops the event with a log line rather than slowing reconciliation), and the same (object, reason,
/// type, message) is one Event whose count and lastTimestamp grow instead of a new Event per occurrence.
/// Failures to record are logged, never thrown: an event is a courtesy, not part of reconciliation.
/// </summary>
public sealed class EventPublisher : IEventPublisher, IAsyncDisposable
{
    private readonly KubeApiClient _client;
    private readonly TimeProvider _time;
    private readonly ILogger<EventPublisher> _logger;
    private readonly ConcurrentDictionary<string, int> _counts = new();
    private readonly string _component;
    private readonly string _instance = Environment.GetEnvironmentVariable("POD_NAME") ?? Environment.MachineName;
    private readonly Channel<PendingEvent> _pending = Channel.CreateBounded<PendingEvent>(
        new BoundedChannelOptions(1000) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _writer;
    private long _enqueued;
    private long _written;

    private sealed record PendingEvent(IKubernetesObject<V1ObjectMeta> Object, string Reason, string Message, EventType Type, DateTime At);

    public EventPublisher(KubeApiClient client, IOptions<OperatorSettings> settings, TimeProvider time, ILogger<EventPublisher> logger)
    {
        _client = client;
        _time = time;
        _logger = logger;
        _component = settings.Value.Name;
        _writer = Task.Run(WriteLoopAsync);
    }

    public Task PublishAsync(IKubernetesObject<V1ObjectMeta> involvedObject, string reason, string message, EventType type, CancellationToken cancellationToken)
    {
        if (_pending.Writer.TryWrite(new PendingEvent(involvedObject, reason, message, type, _time.GetUtcNow().UtcDateTime)))
            Interlocked.Increment(ref _enqueued);
        else
            _logger.LogWarning("Event queue full; dropped event {Reason} on {Kind} {Name}", reason, involvedObject.Kind, involvedObject.Metadata.Name);
        return Task.CompletedTask;
    }

    /// <summary>Waits until every event published so far has been written (tests, shutdown).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var target = Interlocked.Read(ref _enqueued);
        while (Interlocked.Read(ref _written) < target)
            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _writer.WaitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("Unwritten events dropped at shutdown");
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task WriteLoopAsync()
    {
        await foreach (var e in _pending.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            await WriteAsync(e.Object, e.Reason, e.Message, e.Type, e.At, _stopping.Token).ConfigureAwait(false);
            Interlocked.Increment(ref _written);
        }
    }

    private async Task WriteAsync(IKubernetesObject<V1ObjectMeta> involvedObject, string reason, string message, EventType type, DateTime now, CancellationToken cancellationToken)
    {
        var meta = involvedObject.Metadata;
        var ns = meta.NamespaceProperty ?? "default";
        var name = EventName(meta, reason, message, type);
        try
        {
            if (_counts.TryGetValue(name, out var count))
            {
                if (await TryIncrementAsync(ns, name, count + 1, now, cancellationToken).ConfigureAwait(false)) return;
            }

            var ev = new Corev1Event
            {
                ApiVersion = "v1",
                Kind = "Event",
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
                InvolvedObject = new V1ObjectReference
                {
                    ApiVersion = involvedObject.ApiVersion, Kind = involvedObject.Kind, Name = meta.Name,
                    NamespaceProperty = meta.NamespaceProperty, Uid = meta.Uid, ResourceVersion = meta.ResourceVersion,
                },
                Reason = reason,
                Message = message,
                Type = type.ToString(),
                Source = new V1EventSource { Component = _component },
                ReportingComponent = _component,
                ReportingInstance = _instance,
                FirstTimestamp = now,
                LastTimestamp = now,
                Count = 1,
            };
            try
            {
                await _client.CreateAsync(ev, cancellationToken).ConfigureAwait(false);
                _counts[name] = 1;
            }
            catch (KubeApiException e) when (e.IsAlreadyExists)
            {
                // Recorded by an earlier run of the operator: continue its count.
                var existing = await _client.GetAsync<Corev1Event>(ns, name, cancellationToken).ConfigureAwait(false);
                await TryIncrementAsync(ns, name, (existing?.Count ?? 1) + 1, now, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Could not record event {Reason} on {Kind} {Namespace}/{Name}", reason, involvedObject.Kind, ns, meta.Name);
        }
    }

    private async Task<bool> TryIncrementAsync(string ns, string name, int count, DateTime now, CancellationToken ct)
    {
        try
        {
            await _client.MergePatchAsync<Corev1Event>(ns, name, new { count, lastTimestamp = now }, ct).ConfigureAwait(false);
            _counts[name] = count;
            return true;
        }
        catch (KubeApiException e) when (e.IsNotFound)
        {
            _counts.TryRemove(name, out _); // expired (events have a TTL): create anew
            return false;
        }
    }

    private static string EventName(V1ObjectMeta meta, string reason, string message, EventType type)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{meta.Uid}\n{reason}\n{type}\n{message}"));
        return $"{meta.Name}.{Convert.ToHexStringLower(hash)[..16]}";
    }
}
