using Microsoft.Extensions.Logging;

namespace VectorDR.Qdrant;

/// <summary>
/// How to reach one Qdrant node. A plain settable class so it binds from configuration (options pattern) and reads
/// well in an object initialiser. <see cref="ToString"/> never shows <see cref="ApiKey"/>.
/// </summary>
public sealed class QdrantClientOptions
{
    /// <summary>REST endpoint, e.g. <c>https://qdrant.db.svc:6333</c>. A path prefix (behind an ingress) is kept.</summary>
    public Uri Endpoint { get; set; } = new("http://localhost:6333");

    /// <summary>Sent as the <c>api-key</c> header on every request. Never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// PEM (or DER) file with the CA certificate(s) that signed the server's certificate. When set, the server chain is
    /// validated against these CAs <b>only</b> (the system trust store is not consulted); the host name is still checked.
    /// </summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>Accept any server certificate. For throw-away test clusters only; logged as a warning.</summary>
    public bool InsecureSkipTlsVerify { get; set; }

    /// <summary>Total tries of one request, first included (1 disables retries).</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Backoff before the second try; doubles on every further try, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Upper bound of the computed exponential backoff.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Upper bound on how long a server's <c>Retry-After</c> is honoured, so a bogus value cannot stall a backup.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// TCP+TLS connect timeout. This is the only client-side timeout: a snapshot call may legitimately run for hours,
    /// so requests themselves are bounded only by the caller's <see cref="CancellationToken"/>.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How many times in a row a snapshot download may be resumed (Range request) without receiving a single new byte
    /// before the stream gives up with an <see cref="IOException"/>. Progress resets the count.
    /// </summary>
    public int MaxResumeAttempts { get; set; } = 5;

    /// <summary>Structured logs of retries and resumes. Null: no logging.</summary>
    public ILogger? Logger { get; set; }

    /// <summary>Clock for backoff delays; tests pass a fake. Null: <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider? TimeProvider { get; set; }

    public override string ToString() =>
        $"QdrantClientOptions {{ Endpoint = {Redaction.Url(Endpoint)}, ApiKey = {Redaction.Secret(ApiKey)}, " +
        $"CaCertificatePath = {CaCertificatePath ?? "null"}, InsecureSkipTlsVerify = {InsecureSkipTlsVerify}, " +
        $"MaxAttempts = {MaxAttempts}, RetryBaseDelay = {RetryBaseDelay}, RetryMaxDelay = {RetryMaxDelay}, " +
        $"ConnectTimeout = {ConnectTimeout}, MaxResumeAttempts = {MaxResumeAttempts} }}";

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that cannot work.</summary>
    internal void Validate()
    {
        if (Endpoint is null || !Endpoint.IsAbsoluteUri || (Endpoint.Scheme != Uri.UriSchemeHttp && Endpoint.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException("Endpoint must be an absolute http:// or https:// URL", nameof(Endpoint));
        if (MaxAttempts < 1) throw new ArgumentException("MaxAttempts must be at least 1", nameof(MaxAttempts));
        if (MaxResumeAttempts < 0) throw new ArgumentException("MaxResumeAttempts must not be negative", nameof(MaxResumeAttempts));
        if (RetryBaseDelay < TimeSpan.Zero || RetryMaxDelay < RetryBaseDelay)
            throw new ArgumentException("RetryBaseDelay must be >= 0 and RetryMaxDelay >= RetryBaseDelay", nameof(RetryMaxDelay));
        if (MaxRetryAfter < TimeSpan.Zero) throw new ArgumentException("MaxRetryAfter must not be negative", nameof(MaxRetryAfter));
        if (ConnectTimeout <= TimeSpan.Zero && ConnectTimeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentException("ConnectTimeout must be positive (or infinite)", nameof(ConnectTimeout));
        if (CaCertificatePath is not null && InsecureSkipTlsVerify)
            throw new ArgumentException("CaCertificatePath and InsecureSkipTlsVerify contradict each other", nameof(InsecureSkipTlsVerify));
    }
}
