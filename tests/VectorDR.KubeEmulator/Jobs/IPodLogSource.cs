namespace VectorDR.KubeEmulator.Jobs;

/// <summary>
/// Serves <c>GET /api/v1/namespaces/{ns}/pods/{name}/log</c> (what the kubelet does behind the API server). The API
/// handler has already checked that the pod exists and resolved the container name; implemented by job runners that run
/// pods (<see cref="LocalProcessJobRunner"/>).
/// </summary>
public interface IPodLogSource
{
    /// <summary>
    /// Writes the container's log to <paramref name="output"/>, following it until the container stops when
    /// <see cref="PodLogRequest.Follow"/> is set. Throws <see cref="PodLogUnavailableException"/> before writing anything
    /// when there is no log to serve (the API server answers 400 with its message).
    /// </summary>
    Task WriteLogAsync(PodLogRequest request, Stream output, CancellationToken cancellationToken);
}

/// <summary>A log request: the pod (with its uid, so a recreated pod of the same name is not confused with the old one) and the query.</summary>
public sealed record PodLogRequest(string Namespace, string Pod, string PodUid, string Container, bool Follow, bool Previous, long? TailLines, long? LimitBytes);

/// <summary>No log to serve; the message is what the API server would say (e.g. the container is waiting to start).</summary>
public sealed class PodLogUnavailableException(string message) : Exception(message);
