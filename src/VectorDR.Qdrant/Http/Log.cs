using System.Net;
using Microsoft.Extensions.Logging;

namespace VectorDR.Qdrant.Http;

/// <summary>Every log line the client writes. None of them takes a header, a body or a query string: no secret can leak.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Qdrant {Operation} answered {StatusCode} (attempt {Attempt})")]
    public static partial void Answered(ILogger logger, string operation, int statusCode, int attempt);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "Qdrant {Operation} answered {StatusCode}; retrying in {DelayMs} ms (attempt {Attempt} of {MaxAttempts})")]
    public static partial void RetryingStatus(ILogger logger, string operation, HttpStatusCode statusCode, long delayMs, int attempt,
        int maxAttempts);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
        Message = "Qdrant {Operation} failed: {Reason}; retrying in {DelayMs} ms (attempt {Attempt} of {MaxAttempts})")]
    public static partial void RetryingTransport(ILogger logger, string operation, string reason, long delayMs, int attempt,
        int maxAttempts);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning,
        Message = "Snapshot download {Operation} broke at byte {Offset} of {Length}: {Reason}; resuming (try {Attempt} of {MaxAttempts})")]
    public static partial void Resuming(ILogger logger, string operation, long offset, long? length, string reason, int attempt,
        int maxAttempts);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning,
        Message = "Server ignored the Range request for {Operation}; skipping {Offset} bytes already received")]
    public static partial void RangeIgnored(ILogger logger, string operation, long offset);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning,
        Message = "TLS certificate verification is DISABLED for Qdrant at {Endpoint} (InsecureSkipTlsVerify)")]
    public static partial void InsecureTls(ILogger logger, string endpoint);
}
