using System.Net;
using VectorDR.Core.Errors;

namespace VectorDR.Qdrant;

/// <summary>
/// Qdrant answered with an error. <see cref="QdrantMessage"/> is Qdrant's own text (from the error envelope, or the
/// plain-text body of a 401). Client errors (4xx other than 408/429) are the caller's input; the rest are failures.
/// </summary>
public sealed class QdrantApiException : VectorDRException
{
    public QdrantApiException(string operation, HttpStatusCode statusCode, string qdrantMessage)
        : base($"Qdrant refused {operation}: {(int)statusCode} {qdrantMessage}")
    {
        Operation = operation;
        StatusCode = statusCode;
        QdrantMessage = qdrantMessage;
        Attempts = 1;
    }

    /// <summary>The final answer after <paramref name="attempts"/> tries of a retried call; the message says how many.</summary>
    public QdrantApiException(string operation, HttpStatusCode statusCode, string qdrantMessage, int attempts)
        : base(attempts > 1
            ? $"Qdrant refused {operation}: {(int)statusCode} {qdrantMessage} (gave up after {attempts} attempts)"
            : $"Qdrant refused {operation}: {(int)statusCode} {qdrantMessage}")
    {
        Operation = operation;
        StatusCode = statusCode;
        QdrantMessage = qdrantMessage;
        Attempts = attempts;
    }

    /// <summary>How many times the request was sent before this answer was accepted as final.</summary>
    public int Attempts { get; }

    /// <summary>What we asked, e.g. <c>GET /collections/docs</c>.</summary>
    public string Operation { get; }

    public HttpStatusCode StatusCode { get; }

    public string QdrantMessage { get; }

    public override ErrorKind Kind => StatusCode switch
    {
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound or HttpStatusCode.Conflict
            or HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity => ErrorKind.InvalidInput,
        _ => ErrorKind.OperationFailed,
    };
}

/// <summary>Qdrant could not be reached (connection refused, DNS, TLS, reset) even after retries.</summary>
public sealed class QdrantUnreachableException(Uri endpoint, string detail, Exception? inner = null)
    : VectorDRException($"Qdrant at {endpoint} is unreachable: {detail}", inner)
{
    public override ErrorKind Kind => ErrorKind.OperationFailed;
}

/// <summary>
/// Qdrant answered 2xx with a body this client cannot read (not JSON, no <c>result</c> where one is required, wrong
/// shape): a version mismatch or something that is not Qdrant behind the endpoint.
/// </summary>
public sealed class QdrantProtocolException(string operation, string detail, Exception? inner = null)
    : VectorDRException($"Unexpected answer from Qdrant to {operation}: {detail}", inner)
{
    public string Operation { get; } = operation;

    public override ErrorKind Kind => ErrorKind.OperationFailed;
}
