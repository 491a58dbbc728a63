using System.Net;
using k8s.Models;

namespace VectorDR.ControllerRuntime.Client;

/// <summary>A non-success answer of the API server, with its metav1.Status when it sent one.</summary>
public sealed class KubeApiException(HttpStatusCode statusCode, V1Status? status, string method, string path)
    : Exception($"{method} {path}: {(int)statusCode} {status?.Reason} {status?.Message}".TrimEnd())
{
    public HttpStatusCode StatusCode { get; } = statusCode;
    public V1Status? Status { get; } = status;

    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;
    /// <summary>409 for a write based on a stale resourceVersion (not a create of an existing name).</summary>
    public bool IsConflict => StatusCode == HttpStatusCode.Conflict && !IsAlreadyExists;

    /// <summary>409 AlreadyExists: a create found the name taken.</summary>
    public bool IsAlreadyExists => StatusCode == HttpStatusCode.Conflict && Status?.Reason == "AlreadyExists";
    public bool IsGone => StatusCode == HttpStatusCode.Gone;
}
