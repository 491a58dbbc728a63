using Prometheus;
using VectorDR.Operator.Entities;

namespace VectorDR.Operator.Metrics;

/// <summary>
/// The RestoreRequest series on /metrics. The target label is the Qdrant URL's host only: never a path, a user or
/// anything else that could carry a secret. A result is counted once, when the controller records it.
/// </summary>
public static class RestoreMetrics
{
    public static readonly Counter Restores = Prometheus.Metrics.CreateCounter("vectordr_restore_total",
        "Finished restores by outcome (succeeded, failed).", ["namespace", "outcome"]);

    public static readonly Gauge LastRto = Prometheus.Metrics.CreateGauge("vectordr_restore_last_rto_seconds",
        "Measured RTO of the newest verified restore into the target: seconds from the restore's start to verified.", ["namespace", "target"]);

    /// <param name="rtoSeconds">The command's own measurement (status keeps whole seconds).</param>
    public static void Record(RestoreRequest request, double? rtoSeconds)
    {
        var ns = request.Metadata.NamespaceProperty;
        var status = request.Status;
        Restores.WithLabels(ns, status.Phase == RestorePhase.Succeeded ? "succeeded" : "failed").Inc();
        if (status.Phase == RestorePhase.Succeeded && (rtoSeconds ?? status.DurationSeconds) is { } rto)
            LastRto.WithLabels(ns, Target(request.Spec.Target.Qdrant.Url)).Set(rto);
    }

    public static string Target(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Host : "unknown";
}
