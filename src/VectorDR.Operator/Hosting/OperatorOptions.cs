namespace VectorDR.Operator.Hosting;

/// <summary>
/// Product settings of the operator, bound from the "Operator" configuration section (appsettings, environment
/// variables Operator__X, command line --Operator:X). The runtime's own settings (Namespaces, Workers,
/// LeaderElection) bind from the same section.
/// </summary>
public sealed class OperatorOptions
{
    public const string Section = "Operator";

    /// <summary>Image of the Jobs that run `vectordr backup|restore` (used by the scheduling controllers).</summary>
    public string JobImage { get; set; } = "ghcr.io/vectordr/vectordr:latest";

    /// <summary>Path of a kubeconfig; otherwise KUBECONFIG, ~/.kube/config or the in-cluster service account.</summary>
    public string? Kubeconfig { get; set; }
}
