using System.CommandLine;
using Microsoft.Extensions.Logging;
using VectorDR.Core.Errors;
using VectorDR.Engine.Repository;
using VectorDR.Qdrant;
using VectorDR.Storage;

namespace VectorDR.Cli.Commands;

/// <summary>How commands reach Qdrant and a backup location. Secrets come from files or the environment only.</summary>
internal static class Connections
{
    public const string ApiKeyEnvironmentVariable = "QDRANT_API_KEY";

    public static readonly Option<Uri> Qdrant = new("--qdrant")
    {
        Description = "Qdrant REST endpoint, e.g. http://qdrant:6333",
        Required = true,
        CustomParser = r => ParseEndpoint(r.Tokens[0].Value, r),
    };

    public static readonly Option<FileInfo?> ApiKeyFile = new("--api-key-file")
    {
        Description = $"File holding the Qdrant API key (default: the {ApiKeyEnvironmentVariable} environment variable)",
    };

    public static readonly Option<FileInfo?> CaCertificate = new("--ca-cert")
    {
        Description = "PEM file of the CA that signed Qdrant's TLS certificate",
    };

    public static readonly Option<bool> InsecureSkipTlsVerify = new("--insecure-skip-tls-verify")
    {
        Description = "Do not verify Qdrant's TLS certificate (testing only)",
    };

    public static Argument<string> LocationArgument() => new("LOCATION")
    {
        Description = "Backup location: a directory path, file:///path, or s3://bucket/prefix?endpoint=…",
    };

    public static void AddQdrantOptions(Command command)
    {
        command.Options.Add(Qdrant);
        command.Options.Add(ApiKeyFile);
        command.Options.Add(CaCertificate);
        command.Options.Add(InsecureSkipTlsVerify);
    }

    private static Uri ParseEndpoint(string text, System.CommandLine.Parsing.ArgumentResult result)
    {
        var valid = Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
        if (valid && string.IsNullOrEmpty(uri!.UserInfo)) return uri;
        // Never echo credentials someone put in the URL.
        result.AddError(valid
            ? $"--qdrant must not carry credentials in the URL ({uri!.Scheme}://***@{uri.Authority}); put the API key in --api-key-file"
            : $"--qdrant '{text}' is not an http(s) URL");
        return null!;
    }

    public static IQdrantClient OpenQdrant(ParseResult parse, ILoggerFactory loggers, TimeProvider time)
    {
        var keyFile = parse.GetValue(ApiKeyFile);
        string? apiKey;
        if (keyFile is not null)
        {
            if (!keyFile.Exists) throw new InvalidInputException($"--api-key-file {keyFile.FullName} does not exist");
            apiKey = File.ReadAllText(keyFile.FullName).Trim();
            if (apiKey.Length == 0) throw new InvalidInputException($"--api-key-file {keyFile.FullName} is empty");
        }
        else
        {
            apiKey = Environment.GetEnvironmentVariable(ApiKeyEnvironmentVariable) is { Length: > 0 } k ? k.Trim() : null;
        }

        var ca = parse.GetValue(CaCertificate);
        if (ca is not null && !ca.Exists) throw new InvalidInputException($"--ca-cert {ca.FullName} does not exist");

        return new QdrantClient(new QdrantClientOptions
        {
            Endpoint = parse.GetValue(Qdrant)!,
            ApiKey = apiKey,
            CaCertificatePath = ca?.FullName,
            InsecureSkipTlsVerify = parse.GetValue(InsecureSkipTlsVerify),
            Logger = loggers.CreateLogger<QdrantClient>(),
            TimeProvider = time,
        });
    }

    public static Task<IObjectStore> OpenStoreAsync(string location, bool forWriting, ILoggerFactory loggers, CancellationToken cancellationToken,
        Func<string, string?>? environment = null, S3TransferOptions? transfer = null) =>
        ObjectStores.OpenAsync(location, new ObjectStoreOpenOptions
        {
            RequireWritable = forWriting,
            CreateIfMissing = false,
            LoggerFactory = loggers,
            Environment = environment,
            S3 = transfer ?? new S3TransferOptions(),
        }, cancellationToken);

    /// <summary>The S3 credential variables: with a prefix they are read from the prefixed names only, so a destination never silently borrows the source's keys.</summary>
    private static readonly HashSet<string> CredentialVariables =
        ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE"];

    /// <summary>
    /// An environment where NAME means PREFIX+NAME (how a Job hands a second location its own credentials from a second
    /// Secret). Settings that are not credentials (AWS_REGION, AWS_ENDPOINT_URL_S3, …) fall back to the plain name.
    /// </summary>
    public static Func<string, string?> PrefixedEnvironment(string prefix) => name =>
        Environment.GetEnvironmentVariable(prefix + name) is { Length: > 0 } value ? value
        : CredentialVariables.Contains(name) ? null
        : Environment.GetEnvironmentVariable(name);

    /// <summary>The exactly-one-of selector shared by verify, describe and restore.</summary>
    public sealed class SelectorOptions
    {
        public Option<string?> Id { get; } = new("--id") { Description = "Backup id" };
        public Option<bool> Latest { get; } = new("--latest") { Description = "The newest committed backup" };
        public Option<DateTimeOffset?> At { get; } = new("--at")
        {
            Description = "The newest backup completed at or before this RFC 3339 time",
            CustomParser = r => ParseTime(r.Tokens[0].Value, r),
        };

        public void AddTo(Command command, bool allowAt)
        {
            command.Options.Add(Id);
            command.Options.Add(Latest);
            if (allowAt) command.Options.Add(At);
            command.Validators.Add(r =>
            {
                // Count what was typed, not parsed values: a malformed --at has its own error and no value.
                var given = new Option[] { Id, Latest, At }.Count(o => r.GetResult(o) is { Implicit: false });
                if (given != 1) r.AddError(allowAt ? "give exactly one of --id, --latest or --at" : "give exactly one of --id or --latest");
            });
        }

        public BackupSelector Read(ParseResult parse) =>
            parse.GetValue(Id) is { } id ? BackupSelector.ById(id)
            : parse.GetValue(At) is { } at ? BackupSelector.AtOrBefore(at)
            : BackupSelector.LatestBackup();

        private static DateTimeOffset? ParseTime(string text, System.CommandLine.Parsing.ArgumentResult result)
        {
            if (DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var t)
                && (text.EndsWith('Z') || text.EndsWith('z') || text.Length > 19 && text[^6] is '+' or '-'))
                return t;
            result.AddError($"--at '{text}' is not an RFC 3339 time with a zone, e.g. 2026-11-23T03:00:00Z");
            return null;
        }
    }
}
