using Microsoft.Extensions.Logging;

namespace VectorDR.Qdrant.Tests.Support;

public static class TestClients
{
    public const string ApiKey = "sEcReT-k3y-do-not-leak";

    public static readonly Uri Endpoint = new("http://qdrant.test:6333");

    /// <summary>A client over <paramref name="handler"/> with tiny backoff delays, so retry tests run in milliseconds.</summary>
    public static QdrantClient Create(HttpMessageHandler handler, string? apiKey = ApiKey, ILogger? logger = null, TimeProvider? time = null,
        int maxAttempts = 4, int maxResumeAttempts = 3, Uri? endpoint = null) =>
        new(Options(apiKey, logger, time, maxAttempts, maxResumeAttempts, endpoint), handler, disposeHandler: true);

    public static QdrantClientOptions Options(string? apiKey = ApiKey, ILogger? logger = null, TimeProvider? time = null,
        int maxAttempts = 4, int maxResumeAttempts = 3, Uri? endpoint = null) => new()
    {
        Endpoint = endpoint ?? Endpoint,
        ApiKey = apiKey,
        Logger = logger,
        TimeProvider = time,
        MaxAttempts = maxAttempts,
        MaxResumeAttempts = maxResumeAttempts,
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        RetryMaxDelay = TimeSpan.FromMilliseconds(5),
    };
}
