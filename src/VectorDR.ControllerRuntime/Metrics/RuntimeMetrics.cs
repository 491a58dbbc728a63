using Prometheus;

namespace VectorDR.ControllerRuntime.Metrics;

/// <summary>Metric names follow controller-runtime's, so existing dashboards and alerts apply.</summary>
public static class RuntimeMetrics
{
    public static readonly Counter ReconcileTotal = Prometheus.Metrics.CreateCounter(
        "controller_runtime_reconcile_total", "Reconciliations per controller and result (success, error, requeue_after).",
        new CounterConfiguration { LabelNames = ["controller", "result"] });

    public static readonly Counter ReconcileErrors = Prometheus.Metrics.CreateCounter(
        "controller_runtime_reconcile_errors_total", "Reconciliations that failed, per controller.",
        new CounterConfiguration { LabelNames = ["controller"] });

    public static readonly Histogram ReconcileDuration = Prometheus.Metrics.CreateHistogram(
        "controller_runtime_reconcile_time_seconds", "Time spent in one reconciliation, per controller.",
        new HistogramConfiguration { LabelNames = ["controller"], Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });

    public static readonly Gauge QueueDepth = Prometheus.Metrics.CreateGauge(
        "workqueue_depth", "Keys waiting in a controller's work queue.",
        new GaugeConfiguration { LabelNames = ["name"] });

    public static readonly Counter WatchRestarts = Prometheus.Metrics.CreateCounter(
        "controller_runtime_watch_restarts_total", "Watch streams restarted, per resource and reason (closed, error, gone).",
        new CounterConfiguration { LabelNames = ["resource", "reason"] });

    public static readonly Gauge IsLeader = Prometheus.Metrics.CreateGauge(
        "leader_election_master_status", "1 while this instance holds the leader lease.",
        new GaugeConfiguration { LabelNames = ["name"] });
}
