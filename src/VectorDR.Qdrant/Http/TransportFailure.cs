using System.Net.Sockets;

namespace VectorDR.Qdrant.Http;

/// <summary>Why an HTTP exchange produced no response, and what that means for retrying.</summary>
/// <param name="NotSent">The connection was never established, so Qdrant cannot have seen the request.</param>
/// <param name="Transient">Trying again later may succeed (false for TLS trust failures: they need a config change).</param>
internal sealed record TransportFailure(bool NotSent, bool Transient, string Detail)
{
    /// <summary>Null when <paramref name="error"/> is not a transport failure (a bug, or the caller's cancellation).</summary>
    public static TransportFailure? Classify(Exception error, CancellationToken callerToken)
    {
        switch (error)
        {
            case OperationCanceledException when callerToken.IsCancellationRequested:
                return null;
            // SocketsHttpHandler.ConnectTimeout surfaces as a cancellation whose inner exception is a TimeoutException.
            case OperationCanceledException { InnerException: TimeoutException }:
                return new(NotSent: true, Transient: true, "connect timed out");
            case OperationCanceledException:
                return new(NotSent: false, Transient: true, "the request was aborted");
            case HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } e:
                return new(NotSent: true, Transient: false, $"TLS handshake failed (is the server certificate trusted?): {Innermost(e)}");
            case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.ProxyTunnelError } e:
                return new(NotSent: true, Transient: true, Innermost(e));
            case HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } e:
                return new(NotSent: true, Transient: true, Innermost(e));
            case HttpRequestException e:
                return new(NotSent: false, Transient: true, Innermost(e));
            case IOException e:
                return new(NotSent: false, Transient: true, Innermost(e));
            default:
                return null;
        }
    }

    // "An error occurred while sending the request." says nothing; the innermost message ("Connection refused") does.
    private static string Innermost(Exception e)
    {
        var message = e.Message;
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException) message = inner.Message;
        return message;
    }
}
