namespace VectorDR.KubeEmulator.Jobs;

/// <summary>
/// Where one container of a pod lives on the host: the pod's folder (emptyDir volumes, logs) and the container's own
/// folder in it — its default working directory, kept across restarts like a container's writable layer, and the home
/// of its termination-message file (each container has its own, as each has its own <c>/dev/termination-log</c>).
/// </summary>
internal sealed record ContainerPaths(string PodDirectory, string ContainerDirectory)
{
    public string TerminationMessageFile => Path.Combine(ContainerDirectory, "termination-log");

    public static ContainerPaths For(string podDirectory, string containerName) =>
        new(podDirectory, Path.Combine(podDirectory, "containers", containerName));
}

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

    /// <summary>A volume cannot be set up (its Secret/ConfigMap or a listed key is missing): the pod keeps waiting as before creation, FailedMount, retried.</summary>
    public sealed record MountError(string Message) : LaunchDecision;

    /// <summary>The runtime cannot exec the command: terminated, exit code 128, reason StartError.</summary>
    public sealed record StartError(string Message) : LaunchDecision;
}
