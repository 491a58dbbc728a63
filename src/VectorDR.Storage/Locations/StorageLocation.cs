using System.Text.RegularExpressions;
using VectorDR.Core.Errors;

namespace VectorDR.Storage;

/// <summary>
/// A parsed location string: the one notation used by the CLI, the custom resources and the manifests.
/// <list type="bullet">
/// <item><c>/abs/path</c>, <c>relative/path</c> or <c>file:///abs/path</c> — a directory.</item>
/// <item><c>s3://bucket/prefix?endpoint=http://127.0.0.1:7480&amp;region=us-east-1&amp;pathStyle=true&amp;checksum=when-required</c>
/// (optional <c>sse=aws:kms&amp;kmsKeyId=…</c>, <c>sse=AES256</c> or <c>sse=sse-c</c> with the key file named by
/// <c>VECTORDR_SSE_C_KEY_FILE</c>).</item>
/// </list>
/// A location never carries credentials; those come from the standard AWS environment variables or shared credentials file.
/// </summary>
public abstract partial record StorageLocation
{
    private protected StorageLocation() { }

    /// <summary>Canonical text of the location, with every resolved setting and no secret; parses back to an equal location.</summary>
    public abstract string Display { get; }

    public sealed override string ToString() => Display;

    /// <summary>
    /// Parses a location string. <paramref name="environment"/> looks up environment variables (defaults to the process
    /// environment) for the settings the string leaves out. Throws <see cref="InvalidInputException"/> naming the bad part.
    /// </summary>
    public static StorageLocation Parse(string text, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        environment ??= Environment.GetEnvironmentVariable;
        var trimmed = text.Trim();
        if (trimmed.Length == 0) throw new InvalidInputException("storage location is empty");

        var scheme = SchemePattern().Match(trimmed);
        if (!scheme.Success) return FileSystemLocation.FromPath(trimmed);
        return scheme.Groups[1].Value.ToLowerInvariant() switch
        {
            "file" => FileSystemLocation.FromFileUri(trimmed),
            "s3" => S3Location.FromUri(trimmed, environment),
            var other => throw new InvalidInputException(
                $"storage location: unknown scheme '{other}://' (use s3://bucket/prefix, file:///path or a plain path)"),
        };
    }

    [GeneratedRegex("^([A-Za-z][A-Za-z0-9+.-]*)://")]
    private static partial Regex SchemePattern();
}

/// <summary>A directory on a local or mounted filesystem.</summary>
public sealed record FileSystemLocation : StorageLocation
{
    public FileSystemLocation(string rootDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootDirectory);
        RootDirectory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootDirectory));
    }

    /// <summary>Absolute path of the directory.</summary>
    public string RootDirectory { get; }

    public override string Display => RootDirectory;

    internal static FileSystemLocation FromPath(string path)
    {
        if (path.Contains('\0', StringComparison.Ordinal)) throw new InvalidInputException("storage location: the path contains a NUL character");
        return new FileSystemLocation(path);
    }

    internal static FileSystemLocation FromFileUri(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || !uri.IsFile)
        {
            throw new InvalidInputException($"storage location '{text}': not a valid file:// URI (use file:///absolute/path)");
        }

        if (!string.IsNullOrEmpty(uri.Host) && !uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidInputException(
                $"storage location '{text}': file URIs cannot name a host ('{uri.Host}'); use file:///absolute/path");
        }

        if (!string.IsNullOrEmpty(uri.Query)) throw new InvalidInputException($"storage location '{text}': file locations take no query parameters");
        // AbsolutePath, not LocalPath: on Unix LocalPath turns file://localhost/x into a UNC-style path.
        return FromPath(Uri.UnescapeDataString(uri.AbsolutePath));
    }
}
