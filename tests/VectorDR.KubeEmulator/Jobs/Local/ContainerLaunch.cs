namespace VectorDR.KubeEmulator.Jobs;

/// <summary>Everything needed to start one container as a local process.</summary>
internal sealed record ContainerLaunch(
    string FileName,
    IReadOnlyList<string> Arguments,
    IReadOnlyDictionary<string, string> Environment,
    string WorkingDirectory,
    string TerminationMessageFile);

/// <summary>What the kubelet concluded while preparing a container.</summary>
internal abstract record LaunchDecision
{
    private LaunchDecision()
    {
    }

    public sealed record Ready(ContainerLaunch Launch) : LaunchDecision;

    /// <summary>The image cannot be pulled (not in the image map): waiting ErrImagePull → ImagePullBackOff.</summary>
    public sealed record ImageUnavailable(string Message) : LaunchDecision;

    /// <summary>A referenced Secret/ConfigMap or key is missing: waiting CreateContainerConfigError, retried.</summary>
    public sealed record ConfigError(string Message) : LaunchDecision;

    /// <summary>The runtime cannot exec the command: terminated, exit code 128, reason StartError.</summary>
    public sealed record StartError(string Message) : LaunchDecision;
}
