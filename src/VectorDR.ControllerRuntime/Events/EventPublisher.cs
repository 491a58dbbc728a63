using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
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
/// Aggregates like client-go's recorder: the same (object, reason, type, message) is one Event whose count and
/// lastTimestamp grow, instead of a new Event per occurrence. Failures to record are logged, never thrown:
/// an event is a courtesy, not part of reconciliation.
/// </summary>
public sealed class EventPublisher(KubeApiClient client, IOptions<OperatorSettings> settings, TimeProvider time, ILogger<EventPublisher> logger)
    : IEventPublisher
{
    private readonly ConcurrentDictionary<string, int> _counts = new();
    private readonly string _component = settings.Value.Name;
    private readonly string _instance = Environment.GetEnvironmentVariable("POD_NAME") ?? Environment.MachineName;

    public async Task PublishAsync(IKubernetesObject<V1ObjectMeta> involvedObject, string reason, string message, EventType type, CancellationToken cancellationToken)
    {
        var meta = involvedObject.Metadata;
        var ns = meta.NamespaceProperty ?? "default";
        var name = EventName(meta, reason, message, type);
        var now = time.GetUtcNow().UtcDateTime;
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
                await client.CreateAsync(ev, cancellationToken).ConfigureAwait(false);
                _counts[name] = 1;
            }
            catch (KubeApiException e) when (e.IsConflict)
            {
                // Recorded by an earlier run of the operator: continue its count.
                var existing = await client.GetAsync<Corev1Event>(ns, name, cancellationToken).ConfigureAwait(false);
                await TryIncrementAsync(ns, name, (existing?.Count ?? 1) + 1, now, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not record event {Reason} on {Kind} {Namespace}/{Name}", reason, involvedObject.Kind, ns, meta.Name);
        }
    }

    private async Task<bool> TryIncrementAsync(string ns, string name, int count, DateTime now, CancellationToken ct)
    {
        try
        {
            await client.MergePatchAsync<Corev1Event>(ns, name, new { count, lastTimestamp = now }, ct).ConfigureAwait(false);
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
