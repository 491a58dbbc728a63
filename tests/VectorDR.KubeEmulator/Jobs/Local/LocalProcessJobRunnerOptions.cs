namespace VectorDR.KubeEmulator.Jobs;

/// <summary>
/// How <see cref="LocalProcessJobRunner"/> plays kubelet and Job controller. The defaults are the real components' values
/// (10 s doubling back-off capped at 6 minutes, 10 MiB of logs); tests shorten the durations.
/// </summary>
public sealed class LocalProcessJobRunnerOptions
{
    /// <summary>
    /// Container image → local executable (the image's entrypoint). Keys may carry a tag or digest
    /// (<c>ghcr.io/vectordr/vectordr:0.1.0</c>) or not (<c>ghcr.io/vectordr/vectordr</c>, matching every tag); an exact
    /// match wins. A key may also be a command name (e.g. <c>vectordr</c>), used to resolve <c>command[0]</c>.
    /// </summary>
    public IDictionary<string, string> Images { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// PersistentVolumeClaim name → local folder. A container's volumeMount of a volume backed by such a claim is honoured
    /// by path substitution (see the README): its mountPath in command, args, env values and workingDir becomes the folder.
    /// (hostPath volumes map to their own path and emptyDir volumes to a per-pod folder without configuration.)
    /// </summary>
    public IDictionary<string, string> PersistentVolumeClaims { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The node every pod is bound to (<c>spec.nodeName</c>).</summary>
    public string NodeName { get; init; } = "emulator-node";

    /// <summary>The Job controller's back-off before replacing a failed pod: doubles per failure (10 s in Kubernetes).</summary>
    public TimeSpan PodFailureBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Cap of the Job controller's back-off (6 minutes in Kubernetes).</summary>
    public TimeSpan MaxPodFailureBackoff { get; init; } = TimeSpan.FromMinutes(6);

    /// <summary>The kubelet's crash-loop back-off before restarting a container (restartPolicy OnFailure): doubles per restart.</summary>
    public TimeSpan ContainerRestartBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Cap of the crash-loop back-off (5 minutes in Kubernetes).</summary>
    public TimeSpan MaxContainerRestartBackoff { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the kubelet retries a container whose configuration cannot be built (missing Secret/ConfigMap or key).</summary>
    public TimeSpan ConfigErrorRetryInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a pod whose image is not in <see cref="Images"/> shows ErrImagePull/ImagePullBackOff before its Job is
    /// failed. A real cluster would retry the pull forever; here the image can never appear, so waiting helps nobody.
    /// </summary>
    public TimeSpan UnmappedImageFailureDelay { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Upper bound on <c>terminationGracePeriodSeconds</c> (null: honour the pod's value, default 30 s).</summary>
    public TimeSpan? MaxTerminationGracePeriod { get; init; }

    /// <summary>Bytes of log kept per container (the last ones; the kubelet rotates at 10 MiB).</summary>
    public long LogLimitBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>Where per-pod folders (termination-message files, logs) are made; default a fresh folder under the temp path, removed at dispose.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>
    /// Variables passed from the emulator's environment to every process (a container gets no host environment, but a
    /// local executable needs PATH and, for .NET apps, DOTNET_ROOT). The container's own env wins over these.
    /// </summary>
    public IList<string> InheritedEnvironment { get; init; } =
        ["PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "DOTNET_ROOT", "DOTNET_CLI_HOME", "DOTNET_NOLOGO", "DOTNET_CLI_TELEMETRY_OPTOUT"];

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
