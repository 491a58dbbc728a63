using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using VectorDR.QdrantEmulator.Model;

namespace VectorDR.QdrantEmulator.Snapshots;

/// <summary>A snapshot file as listed: Qdrant's <c>SnapshotDescription</c>.</summary>
internal sealed record SnapshotInfo(string Name, DateTime CreationTimeUtc, long Size, string? Checksum)
{
    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("name", Name);
        // Naive UTC, second precision, no zone suffix — like Qdrant.
        writer.WriteString("creation_time", CreationTimeUtc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
        writer.WriteNumber("size", Size);
        if (Checksum is not null)
        {
            writer.WriteString("checksum", Checksum);
        }

        writer.WriteEndObject();
    }
}

/// <summary>
/// The snapshots directory, laid out as Qdrant's local storage (API-NOTES §7.1):
/// <c>&lt;root&gt;/&lt;collection&gt;/&lt;name&gt;.snapshot</c> (+ <c>.checksum</c> sidecar, 64 hex chars, no newline),
/// shard snapshots under <c>&lt;root&gt;/&lt;collection&gt;/shards/&lt;id&gt;/</c>, scratch space under <c>&lt;root&gt;/tmp/</c>.
/// Archives are written to scratch and renamed into place, so listings only ever show complete files.
/// </summary>
internal sealed class SnapshotStore
{
    private readonly SnapshotArchiveWriter _writer;
    private readonly ulong _peerId;
    private readonly TimeProvider _time;

    public SnapshotStore(string root, ulong peerId, SnapshotArchiveWriter writer, TimeProvider time)
    {
        Root = Path.GetFullPath(root);
        _peerId = peerId;
        _writer = writer;
        _time = time;
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string TempDirectory => Directory.CreateDirectory(Path.Combine(Root, "tmp")).FullName;

    public string UploadDirectory => Directory.CreateDirectory(Path.Combine(Root, "tmp", "upload")).FullName;

    public string CollectionDirectory(string collection) => Path.Combine(Root, collection);

    public string ShardDirectory(string collection, int shardId) =>
        Path.Combine(Root, collection, "shards", shardId.ToString(CultureInfo.InvariantCulture));

    public string NewTempFile(string suffix) => Path.Combine(TempDirectory, $"{Guid.NewGuid():N}{suffix}");

    public IReadOnlyList<SnapshotInfo> List(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*.snapshot").Select(Describe).OrderBy(s => s.Name, StringComparer.Ordinal).ToList()
            : [];

    /// <summary>
    /// The file for a snapshot name given in a URL, or null. A name must be a bare file name ending in
    /// <c>.snapshot</c> (no separators, no <c>..</c>), as Qdrant requires.
    /// </summary>
    public static string? Resolve(string directory, string name)
    {
        if (name.Length == 0 || name.Contains('/') || name.Contains('\\') || name.Contains("..", StringComparison.Ordinal) ||
            name.Contains('\0') || !name.EndsWith(".snapshot", StringComparison.Ordinal))
        {
            return null;
        }

        var path = Path.Combine(directory, name);
        return File.Exists(path) ? path : null;
    }

    public static SnapshotInfo Describe(string path)
    {
        var info = new FileInfo(path);
        var sidecar = path + ".checksum";
        string? checksum = null;
        if (File.Exists(sidecar))
        {
            try
            {
                checksum = File.ReadAllText(sidecar).Trim();
            }
            catch (IOException)
            {
                // Being renamed into place right now; Qdrant would briefly list without checksum too.
            }
        }

        return new SnapshotInfo(info.Name, info.CreationTimeUtc, info.Length, checksum);
    }

    public bool Delete(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        File.Delete(path + ".checksum");
        return true;
    }

    public Task<SnapshotInfo> CreateCollectionSnapshotAsync(Collection collection, CancellationToken ct)
    {
        var state = CollectionState.Capture(collection);
        var stamp = collection.NextSnapshotTimestamp(_time.GetUtcNow().UtcDateTime);
        var name = $"{collection.Name}-{_peerId}-{stamp:yyyy-MM-dd-HH-mm-ss}.snapshot";
        return WriteAsync(CollectionDirectory(collection.Name), name, (s, c) => _writer.WriteCollectionAsync(s, state, c), ct);
    }

    public Task<SnapshotInfo> CreateShardSnapshotAsync(Collection collection, int shardId, CancellationToken ct)
    {
        var state = CollectionState.Capture(collection, shardId);
        var stamp = collection.NextSnapshotTimestamp(_time.GetUtcNow().UtcDateTime);
        var name = ShardSnapshotName(collection.Name, shardId, stamp);
        return WriteAsync(ShardDirectory(collection.Name, shardId), name, (s, c) => _writer.WriteShardAsync(s, state, shardId, c), ct);
    }

    public static string ShardSnapshotName(string collection, int shardId, DateTime stamp) =>
        $"{collection}-shard-{shardId}-{stamp:yyyy-MM-dd-HH-mm-ss}.snapshot";

    /// <summary>Moves a finished file (e.g. an upload) into a snapshot directory, replacing a file of the same name.</summary>
    public string Adopt(string tempFile, string directory, string name)
    {
        Directory.CreateDirectory(directory);
        var target = Path.Combine(directory, name);
        File.Move(tempFile, target, overwrite: true);
        File.Delete(target + ".checksum"); // an uploaded file has no checksum sidecar
        return target;
    }

    private async Task<SnapshotInfo> WriteAsync(string directory, string name, Func<Stream, CancellationToken, Task> write, CancellationToken ct)
    {
        var temp = NewTempFile(".snapshot.tmp");
        string checksum;
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                var hashing = new HashingStream(file);
                await write(hashing, ct);
                checksum = hashing.HexDigest();
            }

            Directory.CreateDirectory(directory);
            var target = Path.Combine(directory, name);
            File.Move(temp, target, overwrite: true);
            var sidecarTemp = NewTempFile(".checksum.tmp");
            await File.WriteAllTextAsync(sidecarTemp, checksum, ct);
            File.Move(sidecarTemp, target + ".checksum", overwrite: true);
            return Describe(target);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public static async Task<string> Sha256HexAsync(string path, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct));
    }
}

/// <summary>Write-through stream computing SHA-256 of everything written.</summary>
internal sealed class HashingStream(Stream inner) : Http.WriteOnlyStream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _hash.AppendData(buffer.Span);
        await inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public string HexDigest() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
