using k8s;
using k8s.Models;
using VectorDR.ControllerRuntime.Events;

namespace VectorDR.Operator.Controllers;

/// <summary>
/// Events decided during a reconcile, published only after the status that records them was written: a reconcile
/// that fails half-way and runs again must not announce the same thing twice.
/// </summary>
public sealed class PendingEvents
{
    private readonly List<(string Reason, string Message, EventType Type)> _events = [];

    public void Normal(string reason, string message) => _events.Add((reason, message, EventType.Normal));

    public void Warning(string reason, string message) => _events.Add((reason, message, EventType.Warning));

    public IReadOnlyList<(string Reason, string Message, EventType Type)> Items => _events;

    public async Task PublishAsync(IEventPublisher publisher, IKubernetesObject<V1ObjectMeta> subject, CancellationToken cancellationToken)
    {
        foreach (var (reason, message, type) in _events) await publisher.PublishAsync(subject, reason, message, type, cancellationToken);
        _events.Clear();
    }
}
