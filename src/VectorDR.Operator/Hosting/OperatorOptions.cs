namespace VectorDR.Operator.Hosting;

/// <summary>
/// Product settings of the operator, bound from the "Operator" configuration section (appsettings, environment
/// variables Operator__X, command line --Operator:X). The runtime's own settings (Namespaces, Workers,
/// LeaderElection) bind from the same section.
/// </summary>
public sealed class OperatorOptions
{
    public const string Section = "Operator";

    /// <summary>Image of the Jobs that run `vectordr backup|copy|prune|restore` (the operator's own image).</summary>
    public string JobImage { get; set; } = "ghcr.io/vectordr/vectordr:latest";

    /// <summary>imagePullPolicy of the Jobs' containers: Always, IfNotPresent or Never.</summary>
    public string JobImagePullPolicy { get; set; } = "IfNotPresent";

    /// <summary>
    /// How long a finished Job (and its pod, with logs) stays for inspection. Its result is already in the owner's
    /// status by then; the TTL only keeps finished Jobs from piling up.
    /// </summary>
    public int JobTtlSecondsAfterFinished { get; set; } = 86_400;

    /// <summary>Path of a kubeconfig; otherwise KUBECONFIG, ~/.kube/config or the in-cluster service account.</summary>
    public string? Kubeconfig { get; set; }
}
