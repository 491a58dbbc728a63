using System.Text.Json.Nodes;
using VectorDR.QdrantEmulator.Http;
using VectorDR.QdrantEmulator.Model;

namespace VectorDR.QdrantEmulator.Snapshots;

/// <summary>A snapshot file made available locally for recovery; disposing removes it if it was a temporary download.</summary>
internal sealed class LocalSnapshot(string path, bool temporary) : IDisposable
{
    public string Path { get; } = path;

    public void Dispose()
    {
        if (temporary)
        {
            File.Delete(Path);
        }
    }
}

/// <summary>Recovers collections and shards from snapshot files, with Qdrant's checks and error wording (API-NOTES §4.5, §6).</summary>
internal sealed class SnapshotRecovery(CollectionRegistry registry, SnapshotStore store, HttpClient http)
{
    /// <summary>Resolves a collection-recover <c>location</c>: <c>file://</c> inside the snapshots dir, or http(s).</summary>
    public async Task<LocalSnapshot> FetchCollectionLocationAsync(string location, string? apiKey, CancellationToken ct)
    {
        if (!Uri.TryCreate(location, UriKind.Absolute, out var uri))
        {
            throw QdrantApiException.JsonFormat($"relative URL without a base: \"{location}\"");
        }

        if (uri.Scheme == Uri.UriSchemeFile)
        {
            var path = System.IO.Path.GetFullPath(uri.LocalPath);
            var root = store.Root.EndsWith(System.IO.Path.DirectorySeparatorChar) ? store.Root : store.Root + System.IO.Path.DirectorySeparatorChar;
            if (!path.StartsWith(root, StringComparison.Ordinal))
            {
                throw QdrantApiException.Forbidden($"Snapshot file path must be inside the snapshots directory {store.Root}");
            }

            if (!File.Exists(path))
            {
                throw QdrantApiException.BadRequest($"Snapshot file {path} does not exist");
            }

            return new LocalSnapshot(path, temporary: false);
        }

        if (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        {
            return await DownloadAsync(uri, apiKey, ct);
        }

        throw QdrantApiException.BadRequest($"URL {location} with scheme {uri.Scheme} is not supported");
    }

    /// <summary>Resolves a shard-recover <c>location</c>: http(s) URL or a bare file name in the shard's snapshot dir.</summary>
    public async Task<LocalSnapshot> FetchShardLocationAsync(string collection, int shardId, string location, string? apiKey, CancellationToken ct)
    {
        if (Uri.TryCreate(location, UriKind.Absolute, out var uri) && location.Contains("://", StringComparison.Ordinal))
        {
            if (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            {
                return await DownloadAsync(uri, apiKey, ct);
            }

            if (uri.Scheme == Uri.UriSchemeFile)
            {
                throw QdrantApiException.BadRequest($"Invalid snapshot URL {location}: URLs with file scheme are not supported");
            }

            throw QdrantApiException.BadRequest($"URL {location} with scheme {uri.Scheme} is not supported");
        }

        var path = SnapshotStore.Resolve(store.ShardDirectory(collection, shardId), location)
            ?? throw QdrantApiException.NotFound($"Snapshot {location} does not exist");
        return new LocalSnapshot(path, temporary: false);
    }

    public static async Task VerifyChecksumAsync(string path, string? expected, bool uploadWording, CancellationToken ct)
    {
        if (expected is null)
        {
            return;
        }

        var actual = await SnapshotStore.Sha256HexAsync(path, ct);
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
        {
            // Qdrant words the two paths differently (and the upload path swaps expected/actual).
            throw uploadWording
                ? new QdrantApiException(400, $"Checksum mismatch: expected {actual}, actual {expected}")
                : QdrantApiException.BadInput($"Snapshot checksum mismatch: expected {expected}, got {actual}");
        }
    }

    /// <summary>Recovers a collection snapshot: creates the collection if missing, else requires equal vectors and shard_number.</summary>
    public void RecoverCollection(string collectionName, string path)
    {
        // Read (and so validate) the whole archive before touching the registry: a corrupt snapshot must not leave
        // an empty collection behind.
        var content = ReadOrReject(() => SnapshotArchiveReader.ReadCollection(path, config => config.Vectors));
        var config = content.Config!;
        var (collection, created) = registry.GetOrCreate(collectionName, () => config);
        if (created)
        {
            foreach (var (field, schema) in content.PayloadIndexes)
            {
                collection.SetPayloadIndex(field, schema);
            }
        }
        else
        {
            CheckCompatible(collection.Config, config);
        }

        // Shards the snapshot holds no data for keep their current data, as in Qdrant's recovery.
        foreach (var (shardId, points) in content.Shards)
        {
            if (shardId < collection.Shards.Count)
            {
                collection.Shards[shardId].ReplaceAll(points);
            }
        }
    }

    /// <summary>Recovers one shard from a shard snapshot. Like Qdrant, no vector-config check is done (#2913).</summary>
    public static void RecoverShard(Collection collection, int shardId, string path)
    {
        var points = ReadOrReject(() => SnapshotArchiveReader.ReadShard(path, collection.Config.Vectors));
        collection.Shards[shardId].ReplaceAll(points);
    }

    private static T ReadOrReject<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (QdrantApiException e)
        {
            throw QdrantApiException.BadRequest($"Snapshot config is invalid: {e.Message}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever a malformed archive makes the tar or segment readers throw, it is the caller's bad input.
            throw QdrantApiException.BadRequest($"Failed to read snapshot archive: {e.Message}");
        }
    }

    private static void CheckCompatible(CollectionConfig existing, CollectionConfig snapshot)
    {
        if (!JsonNode.DeepEquals(existing.VectorsJson, snapshot.VectorsJson))
        {
            throw QdrantApiException.BadInput(
                $"Snapshot is not compatible with existing collection: Collection vectors config ({existing.VectorsJson.ToJsonString()}) " +
                $"is not equal to snapshot vectors config ({snapshot.VectorsJson.ToJsonString()})");
        }

        if (existing.ShardNumber != snapshot.ShardNumber)
        {
            throw QdrantApiException.BadInput(
                $"Snapshot is not compatible with existing collection: Collection shard number: {existing.ShardNumber} " +
                $"Snapshot shard number: {snapshot.ShardNumber}");
        }
    }

    private async Task<LocalSnapshot> DownloadAsync(Uri uri, string? apiKey, CancellationToken ct)
    {
        var temp = store.NewTempFile(".download.snapshot");
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            if (apiKey is not null)
            {
                request.Headers.TryAddWithoutValidation("api-key", apiKey);
            }

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw QdrantApiException.BadRequest($"Failed to download snapshot from {uri}: status {(int)response.StatusCode}");
            }

            await using (var source = await response.Content.ReadAsStreamAsync(ct))
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await source.CopyToAsync(file, 1 << 20, ct);
            }

            return new LocalSnapshot(temp, temporary: true);
        }
        catch (HttpRequestException e)
        {
            File.Delete(temp);
            throw QdrantApiException.BadRequest($"Failed to download snapshot from {uri}: {e.Message}");
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
