using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using VectorDR.Core.Errors;

namespace VectorDR.Core.Repository;

/// <summary>
/// The bucket layout, format v1 (docs/repository-format.md):
/// <code>
/// backups/&lt;backupId&gt;/&lt;collection-dir&gt;/&lt;part&gt;.snapshot
/// backups/&lt;backupId&gt;/manifest.json        (written last)
/// </code>
/// </summary>
public static class RepositoryFormat
{
    public const int CurrentMajor = 1;

    /// <summary>Format of backups made of collection snapshots (one part per collection).</summary>
    public const string CollectionPartsVersion = "1.0";

    /// <summary>Format of backups with per-shard parts: a 1.0 reader would mistake them for collection snapshots.</summary>
    public const string ShardPartsVersion = "1.1";

    public const string BackupsPrefix = "backups/";
    public const string ManifestFileName = "manifest.json";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string BackupDirectory(string backupId) => $"{BackupsPrefix}{backupId}/";

    public static string ManifestKey(string backupId) => BackupDirectory(backupId) + ManifestFileName;

    /// <summary>The backup id of a manifest key, or null when the key is not a manifest.</summary>
    public static string? BackupIdOfManifestKey(string key)
    {
        if (!key.StartsWith(BackupsPrefix, StringComparison.Ordinal) || !key.EndsWith("/" + ManifestFileName, StringComparison.Ordinal))
            return null;
        var id = key[BackupsPrefix.Length..^(ManifestFileName.Length + 1)];
        return id.Length == 0 || id.Contains('/') ? null : id;
    }

    /// <summary>
    /// Backup ids sort chronologically as strings: <c>yyyyMMddTHHmmssZ-xxxxxx</c> (UTC start time + 24 random bits,
    /// so two backups started in the same second never collide).
    /// </summary>
    public static string NewBackupId(DateTimeOffset startedAt) =>
        startedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" +
        Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));

    /// <summary>
    /// A directory name for a collection: Qdrant names may hold characters that are awkward in object keys or paths
    /// (spaces, '%', '.', non-ASCII), so everything outside [A-Za-z0-9_-] is percent-encoded (UTF-8).
    /// </summary>
    public static string CollectionDirectory(string collection)
    {
        var sb = new StringBuilder(collection.Length);
        foreach (var b in Encoding.UTF8.GetBytes(collection))
        {
            var c = (char)b;
            if (c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_' or '-') sb.Append(c);
            else sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    public static string CollectionPartKey(string collection) => $"{CollectionDirectory(collection)}/collection.snapshot";

    public static string ShardPartKey(string collection, int shardId) =>
        $"{CollectionDirectory(collection)}/shard-{shardId.ToString(CultureInfo.InvariantCulture)}.snapshot";

    public static byte[] Serialize(BackupManifest manifest) => JsonSerializer.SerializeToUtf8Bytes(manifest, Json);

    /// <summary>Parses a manifest, refusing formats this version cannot read. <paramref name="where"/> names it in errors.</summary>
    public static BackupManifest Deserialize(ReadOnlySpan<byte> utf8, string where)
    {
        string? version;
        try
        {
            using var doc = JsonDocument.Parse(utf8.ToArray());
            version = doc.RootElement.TryGetProperty("formatVersion", out var v) && v.ValueKind == JsonValueKind.String
                ? v.GetString()
                : null;
        }
        catch (JsonException e)
        {
            throw new OperationFailedException($"{where} is not valid JSON: {e.Message}", e);
        }

        if (version is null)
            throw new OperationFailedException($"{where} has no formatVersion: it is not a VectorDR manifest");
        // A newer minor may change what a part means (1.1 introduced shard parts), so only known versions are read.
        if (!System.Version.TryParse(version, out var parsed) || parsed.Major != CurrentMajor || parsed > System.Version.Parse(ShardPartsVersion))
            throw new InvalidInputException(
                $"{where} has format version {version}, which this vectordr cannot read (it reads {CollectionPartsVersion} to {ShardPartsVersion}); use a newer vectordr");

        try
        {
            return JsonSerializer.Deserialize<BackupManifest>(utf8, Json)
                   ?? throw new OperationFailedException($"{where} is empty");
        }
        catch (JsonException e)
        {
            throw new OperationFailedException($"{where} is malformed: {e.Message}", e);
        }
    }
}
