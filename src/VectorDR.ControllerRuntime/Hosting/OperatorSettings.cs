namespace VectorDR.ControllerRuntime.Hosting;

/// <summary>Runtime settings; the host binds them from configuration (options pattern).</summary>
public sealed class OperatorSettings
{
    /// <summary>Operator name: used for the event source, the lease name default and metrics labels.</summary>
    public string Name { get; set; } = "operator";

    /// <summary>Namespaces to watch; empty means all namespaces.</summary>
    public List<string> Namespaces { get; set; } = [];

    /// <summary>Concurrent reconciles per controller (one key is never reconciled by two workers at once).</summary>
    public int Workers { get; set; } = 4;

    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromMinutes(5);

    public LeaderElectionSettings LeaderElection { get; set; } = new();
}

public sealed class LeaderElectionSettings
{
    public bool Enabled { get; set; } = true;
    public string LeaseName { get; set; } = "operator-leader";
    /// <summary>Namespace of the lease; defaults to the pod's namespace (POD_NAMESPACE) or "default".</summary>
    public string? LeaseNamespace { get; set; }
    /// <summary>Holder identity; defaults to the pod name (POD_NAME / HOSTNAME) plus a random suffix.</summary>
    public string? Identity { get; set; }
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);
}
