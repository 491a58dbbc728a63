namespace VectorDR.Storage.Tests.Support;

/// <summary>
/// Where the S3 tests find their server: the environment (S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
/// S3_REGION) or the s3.env written by build/s3/start-rgw.sh. With neither, S3 tests FAIL with instructions, unless
/// VDR_SKIP_S3=1, which skips them: CI must never skip them silently.
/// </summary>
public sealed record S3TestSettings(
    string Endpoint, string AccessKey, string SecretKey, string Region, string? KmsKeyId,
    string? ReaderAccessKey, string? ReaderSecretKey, string Source)
{
    public const string SkipVariable = "VDR_SKIP_S3";

    private static readonly Lazy<(S3TestSettings? Settings, string Problem)> Loaded = new(Load);

    public static bool SkipRequested => Environment.GetEnvironmentVariable(SkipVariable) == "1";

    /// <summary>The same server over https (S3_ENDPOINT_TLS), with a self-signed certificate.</summary>
    public string? TlsEndpoint { get; init; }

    /// <summary>The PEM file of that certificate (S3_CA_BUNDLE).</summary>
    public string? CaBundle { get; init; }

    /// <summary><see cref="TlsEndpoint"/>, for the tests that need it, or an exception saying how to get it.</summary>
    public string RequiredTlsEndpoint => TlsEndpoint
        ?? throw new InvalidOperationException("S3_ENDPOINT_TLS is not set: restart RGW with build/s3/start-rgw.sh (make rgw-stop rgw-start), which serves https too");

    /// <summary><see cref="CaBundle"/>, for the tests that need it, or an exception saying how to get it.</summary>
    public string RequiredCaBundle => CaBundle ?? throw new InvalidOperationException("S3_CA_BUNDLE is not set: restart RGW with build/s3/start-rgw.sh");

    /// <summary>The settings, or an exception explaining how to provide them.</summary>
    public static S3TestSettings Current => Loaded.Value.Settings ?? throw new InvalidOperationException(Loaded.Value.Problem);

    /// <summary>The environment a store sees: our test credentials and nothing else from the process.</summary>
    public Func<string, string?> StoreEnvironment(params (string Name, string? Value)[] extra) => name =>
    {
        foreach (var (n, v) in extra)
        {
            if (n == name) return v;
        }

        return name switch
        {
            "AWS_ACCESS_KEY_ID" => AccessKey,
            "AWS_SECRET_ACCESS_KEY" => SecretKey,
            _ => null,
        };
    };

    public string Location(string bucket, string prefix = "", string? endpoint = null, string extraQuery = "") =>
        $"s3://{bucket}/{prefix}?endpoint={endpoint ?? Endpoint}&region={Region}&pathStyle=true&checksum=when-required{extraQuery}";

    private static (S3TestSettings?, string) Load()
    {
        var env = Environment.GetEnvironmentVariables();
        string? Env(string name) => env[name] as string is { Length: > 0 } v ? v : null;
        if (Env("S3_ENDPOINT") is { } endpoint && Env("AWS_ACCESS_KEY_ID") is { } key && Env("AWS_SECRET_ACCESS_KEY") is { } secret)
        {
            return (new S3TestSettings(endpoint, key, secret, Env("S3_REGION") ?? "us-east-1", Env("S3_SSE_KMS_KEY_ID"),
                Env("S3_READER_ACCESS_KEY_ID"), Env("S3_READER_SECRET_ACCESS_KEY"), "environment")
            {
                TlsEndpoint = Env("S3_ENDPOINT_TLS"), CaBundle = Env("S3_CA_BUNDLE"),
            }, "");
        }

        var candidates = EnvFileCandidates().ToList();
        foreach (var file in candidates.Where(File.Exists))
        {
            var values = File.ReadAllLines(file)
                .Select(l => l.Trim())
                .Where(l => l.Length > 0 && !l.StartsWith('#') && l.Contains('='))
                .Select(l => l.Split('=', 2))
                .ToDictionary(p => p[0].Trim(), p => p[1].Trim().Trim('"', '\''));
            if (values.TryGetValue("S3_ENDPOINT", out var ep) && values.TryGetValue("AWS_ACCESS_KEY_ID", out var k) && values.TryGetValue("AWS_SECRET_ACCESS_KEY", out var s))
            {
                return (new S3TestSettings(ep, k, s, values.GetValueOrDefault("S3_REGION") ?? "us-east-1", values.GetValueOrDefault("S3_SSE_KMS_KEY_ID"),
                    values.GetValueOrDefault("S3_READER_ACCESS_KEY_ID"), values.GetValueOrDefault("S3_READER_SECRET_ACCESS_KEY"), file)
                {
                    TlsEndpoint = values.GetValueOrDefault("S3_ENDPOINT_TLS"), CaBundle = values.GetValueOrDefault("S3_CA_BUNDLE"),
                }, "");
            }
        }

        return (null,
            "The S3 tests need a running S3 server and none is configured. Start the project's Ceph RGW with `build/s3/start-rgw.sh` " +
            "(it writes .build/rgw/s3.env, which these tests read), or set S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and S3_REGION " +
            $"(or VDR_S3_ENV_FILE). To skip the S3 tests deliberately, set {SkipVariable}=1. Looked for: {string.Join(", ", candidates)}");
    }

    private static IEnumerable<string> EnvFileCandidates()
    {
        if (Environment.GetEnvironmentVariable("VDR_S3_ENV_FILE") is { Length: > 0 } explicitFile) yield return explicitFile;
        if (Environment.GetEnvironmentVariable("RGW_STATE_DIR") is { Length: > 0 } stateDir) yield return Path.Combine(stateDir, "s3.env");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Operator.sln")))
            {
                yield return Path.Combine(dir.FullName, ".build", "rgw", "s3.env");
                break;
            }
        }

        yield return Path.Combine(Environment.GetEnvironmentVariable("TMPDIR") is { Length: > 0 } t ? t : "/tmp", $"vectordr-rgw-{GetUid()}", "s3.env");
    }

    private static string GetUid()
    {
        // /proc/self/status "Uid:" line; the launcher uses `id -u` for its fallback directory
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            return line?.Split('\t', ' ', StringSplitOptions.RemoveEmptyEntries)[1] ?? "0";
        }
        catch (IOException)
        {
            return "0";
        }
    }
}
