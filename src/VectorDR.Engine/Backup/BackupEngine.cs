using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.Logging;
using VectorDR.Core.Errors;
using VectorDR.Core.Repository;
using VectorDR.Engine.IO;
using VectorDR.Engine.Repository;
using VectorDR.Engine.Verification;
using VectorDR.Qdrant;
using VectorDR.Storage;

namespace VectorDR.Engine.Backup;

public sealed record BackupOptions
{
    /// <summary>Collections to back up; empty means every collection on the server.</summary>
    public IReadOnlyList<string> Collections { get; init; } = [];

    /// <summary>Points sampled per collection for restore verification.</summary>
    public int Probes { get; init; } = 10;

    public int TopK { get; init; } = 10;

    /// <summary>"namespace/name" of the policy, recorded in the manifest.</summary>
    public string? Policy { get; init; }

    public PutOptions? PutOptions { get; init; }

    public BackupMode Mode { get; init; } = BackupMode.Auto;

    /// <summary>Shards streamed at the same time in stream mode.</summary>
    public int ShardsInFlight { get; init; } = 2;
}

public enum BackupMode
{
    /// <summary>Stream when the server supports it (Qdrant 1.12+), else snapshot.</summary>
    Auto,

    /// <summary>
    /// Each shard's snapshot streamed straight from Qdrant (<c>GET …/shards/{id}/snapshot</c>): no archive is written
    /// on Qdrant's disk at all. One part per shard (format 1.1).
    /// </summary>
    Stream,

    /// <summary>A collection snapshot created on Qdrant's disk, downloaded, then deleted. One part per collection.</summary>
    Snapshot,
}

public sealed record BackupResult(
    string BackupId,
    string Location,
    DateTimeOffset StartedAt,
    DateTimeOffset CompletedAt,
    double DurationSeconds,
    long SizeBytes,
    long Points,
    IReadOnlyList<CollectionBackupResult> Collections,
    BackupMode Mode);

public sealed record CollectionBackupResult(string Name, long Points, long SizeBytes, int Parts, int Probes);

/// <summary>
/// Qdrant → SHA-256 → object store, then the manifest last. Nothing is staged: snapshot bytes are hashed as they
/// stream into the store. In stream mode (the default on Qdrant 1.12+) each shard's snapshot is produced by Qdrant
/// straight into the HTTP response, so a backup costs the database no disk at all; in snapshot mode a collection
/// snapshot is created on Qdrant's disk, streamed, and always deleted again. On failure every part already written
/// is removed (best effort; <c>vectordr gc</c> finds the rest) and no manifest exists, so a run never leaves a
/// backup that looks complete.
/// </summary>
public sealed class BackupEngine(IQdrantClient qdrant, IObjectStore store, TimeProvider time, ILogger<BackupEngine> logger,
    IOperationObserver? observer = null)
{
    /// <summary>The first Qdrant release with the streaming shard snapshot endpoint.</summary>
    public static readonly Version StreamingSince = new(1, 12);

    private readonly IOperationObserver _observer = observer ?? NullOperationObserver.Instance;
    private readonly BackupRepository _repository = new(store);

    public async Task<BackupResult> RunAsync(BackupOptions options, CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        var backupId = RepositoryFormat.NewBackupId(startedAt);
        var source = qdrant.BaseAddress.ToString();
        logger.LogInformation("Backup {BackupId} of {Source} to {Location} started", backupId, source, store.DisplayLocation);

        var version = await qdrant.GetVersionAsync(cancellationToken).ConfigureAwait(false);
        var mode = ChooseMode(options.Mode, version.Version);
        var cluster = await QdrantErrors.Guard(qdrant, "read the cluster status", () => qdrant.GetClusterAsync(cancellationToken)).ConfigureAwait(false);
        var collections = await ResolveCollectionsAsync(options.Collections, cancellationToken).ConfigureAwait(false);

        // Look every collection up before taking any snapshot: a typo fails fast and costs the database nothing.
        var infos = new Dictionary<string, CollectionInfo>(StringComparer.Ordinal);
        foreach (var name in collections)
            infos[name] = await GetCollectionAsync(name, cancellationToken).ConfigureAwait(false);
        var aliases = await QdrantErrors.Guard(qdrant, "list aliases", () => qdrant.ListAliasesAsync(cancellationToken)).ConfigureAwait(false);

        var written = new ConcurrentBag<string>();
        try
        {
            var manifests = new List<CollectionManifest>();
            foreach (var name in collections)
            {
                manifests.Add(await BackUpCollectionAsync(backupId, name, infos[name], aliases, mode, options, written, cancellationToken)
                    .ConfigureAwait(false));
            }

            var manifest = new BackupManifest
            {
                // Shard parts need a 1.1 reader; collection-snapshot backups stay readable by 1.0 readers.
                FormatVersion = mode == BackupMode.Stream ? RepositoryFormat.ShardPartsVersion : RepositoryFormat.CollectionPartsVersion,
                BackupId = backupId,
                Policy = options.Policy,
                CreatedBy = "vectordr " + ToolVersion,
                Source = new SourceInfo
                {
                    Url = source,
                    QdrantVersion = version.Version,
                    QdrantCommit = version.Commit,
                    Topology = cluster.Enabled ? "distributed" : "standalone",
                    Peers = cluster.Enabled ? Math.Max(1, cluster.PeerUris.Count) : 1,
                },
                StartedAt = startedAt,
                CompletedAt = time.GetUtcNow(),
                Collections = manifests,
            };
            _observer.Step($"Committing backup {backupId} (manifest written last)");
            await _repository.WriteManifestAsync(manifest, options.PutOptions, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Backup {BackupId} committed: {Collections} collections, {Bytes} bytes, {Mode} mode", backupId,
                manifests.Count, manifest.TotalSizeBytes, mode);

            return new BackupResult(backupId, store.DisplayLocation, startedAt, manifest.CompletedAt,
                (manifest.CompletedAt - startedAt).TotalSeconds, manifest.TotalSizeBytes, manifest.TotalPoints,
                manifests.Select(m => new CollectionBackupResult(m.Name, m.PointCount, m.Parts.Sum(p => p.SizeBytes), m.Parts.Count,
                    m.Probes?.Probes.Count ?? 0)).ToList(), mode);
        }
        catch
        {
            await RemovePartsAsync(written).ConfigureAwait(false);
            throw;
        }
    }

    internal static string ToolVersion =>
        typeof(BackupEngine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private BackupMode ChooseMode(BackupMode requested, string serverVersion)
    {
        var streams = !Version.TryParse(serverVersion.Split('-', '+')[0], out var v) || v >= StreamingSince;
        switch (requested)
        {
            case BackupMode.Stream when !streams:
                throw new InvalidInputException(
                    $"Qdrant {serverVersion} at {qdrant.BaseAddress} cannot stream shard snapshots (Qdrant {StreamingSince}+); use --mode snapshot");
            case BackupMode.Auto when !streams:
                _observer.Step($"Qdrant {serverVersion} cannot stream shard snapshots (needs {StreamingSince}+): falling back to snapshot mode, " +
                               "which needs free disk on the Qdrant node for one collection snapshot at a time");
                logger.LogWarning("Qdrant {Version} predates streaming shard snapshots; using snapshot mode", serverVersion);
                return BackupMode.Snapshot;
            case BackupMode.Auto:
                _observer.Step("Stream mode: each shard streams from Qdrant straight to the repository (no snapshot file on Qdrant's disk)");
                return BackupMode.Stream;
            default:
                return requested;
        }
    }

    private async Task<IReadOnlyList<string>> ResolveCollectionsAsync(IReadOnlyList<string> requested, CancellationToken cancellationToken)
    {
        if (requested.Count > 0) return requested.Distinct(StringComparer.Ordinal).ToList();
        var all = await QdrantErrors.Guard(qdrant, "list collections", () => qdrant.ListCollectionsAsync(cancellationToken)).ConfigureAwait(false);
        if (all.Count == 0) throw new InvalidInputException($"Qdrant at {qdrant.BaseAddress} has no collection to back up");
        return all.Order(StringComparer.Ordinal).ToList();
    }

    private async Task<CollectionInfo> GetCollectionAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await QdrantErrors.Guard(qdrant, $"read collection '{name}'", () => qdrant.GetCollectionAsync(name, cancellationToken))
                .ConfigureAwait(false);
        }
        catch (QdrantApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            throw new InvalidInputException($"collection '{name}' does not exist on Qdrant at {qdrant.BaseAddress}", e);
        }
    }

    private async Task<CollectionManifest> BackUpCollectionAsync(string backupId, string name, CollectionInfo info,
        IReadOnlyList<AliasDescription> aliases, BackupMode mode, BackupOptions options, ConcurrentBag<string> written,
        CancellationToken cancellationToken)
    {
        _observer.Step($"Collection '{name}': counting points and sampling {options.Probes} probe queries");
        var countBefore = await qdrant.CountAsync(name, exact: true, cancellationToken).ConfigureAwait(false);

        // Probe queries are exact searches (CPU on Qdrant); run them while the bytes stream (network and storage), not
        // before: on a quiet collection both see the same data, and the backup finishes sooner.
        using var partsFailed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var probesTask = Probes.CaptureAsync(qdrant, info, name, options.Probes, options.TopK, seed: backupId.GetHashCode(StringComparison.Ordinal),
            partsFailed.Token);
        IReadOnlyList<PartManifest> parts;
        try
        {
            parts = mode == BackupMode.Stream
                ? await StreamShardsAsync(backupId, name, options, written, cancellationToken).ConfigureAwait(false)
                : [await SnapshotCollectionAsync(backupId, name, options.PutOptions, written, cancellationToken).ConfigureAwait(false)];
        }
        catch
        {
            await partsFailed.CancelAsync().ConfigureAwait(false);
            try
            {
                await probesTask.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or VectorDRException)
            {
                // The parts' failure is the one to report.
            }
            throw;
        }
        var probes = await probesTask.ConfigureAwait(false);

        var countAfter = await qdrant.CountAsync(name, exact: true, cancellationToken).ConfigureAwait(false);
        if (countAfter != countBefore)
            logger.LogWarning("Collection {Collection} changed during the backup ({Before} → {After} points)", name, countBefore, countAfter);

        return new CollectionManifest
        {
            Name = name,
            Config = info.Config.Clone(),
            PayloadSchema = info.PayloadSchema.Clone(),
            Aliases = aliases.Where(a => a.CollectionName == name).Select(a => a.AliasName).Order(StringComparer.Ordinal).ToList(),
            PointCount = countAfter,
            PointCountBeforeSnapshot = countAfter == countBefore ? null : countBefore,
            Parts = mode == BackupMode.Snapshot && countAfter == countBefore ? [parts[0] with { Points = countAfter }] : parts,
            Probes = probes,
        };
    }

    private async Task<PartManifest> SnapshotCollectionAsync(string backupId, string collection, PutOptions? putOptions,
        ConcurrentBag<string> written, CancellationToken cancellationToken)
    {
        _observer.Step($"Collection '{collection}': creating a snapshot on Qdrant");
        var snapshot = await QdrantErrors.Guard(qdrant, $"create a snapshot of collection '{collection}' (needs write access)",
            () => qdrant.CreateSnapshotAsync(collection, cancellationToken)).ConfigureAwait(false);
        try
        {
            var partKey = RepositoryFormat.CollectionPartKey(collection);
            var download = await qdrant.OpenSnapshotAsync(collection, snapshot.Name, cancellationToken).ConfigureAwait(false);
            var (size, sha256) = await StorePartAsync(backupId, partKey, download, $"snapshot {snapshot.Name} of collection '{collection}'",
                snapshot.Size, putOptions, written, cancellationToken).ConfigureAwait(false);
            if (size != snapshot.Size)
                throw new OperationFailedException(
                    $"snapshot {snapshot.Name} of collection '{collection}' arrived with {size} bytes, Qdrant announced {snapshot.Size}");
            if (snapshot.Checksum is { } expected && !string.Equals(expected, sha256, StringComparison.OrdinalIgnoreCase))
                throw new OperationFailedException(
                    $"snapshot {snapshot.Name} of collection '{collection}' arrived with SHA-256 {sha256}, Qdrant computed {expected}: corrupted in transit");
            return new PartManifest
            {
                Key = partKey, Contents = PartContents.Collection, SizeBytes = size, Sha256 = sha256, SnapshotName = snapshot.Name,
            };
        }
        finally
        {
            await DeleteSnapshotAsync(collection, snapshot.Name).ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<PartManifest>> StreamShardsAsync(string backupId, string collection, BackupOptions options,
        ConcurrentBag<string> written, CancellationToken cancellationToken)
    {
        var placement = await qdrant.GetCollectionClusterAsync(collection, cancellationToken).ConfigureAwait(false);
        var remote = placement.RemoteShards.Select(r => r.ShardId).Except(placement.LocalShards.Select(l => l.ShardId)).ToList();
        if (remote.Count > 0)
            throw new InvalidInputException(
                $"collection '{collection}' has shards {string.Join(", ", remote)} on other peers than {qdrant.BaseAddress}; " +
                "stream mode reads shards from the node it talks to: point --qdrant at a node holding a replica of every shard, or use --mode snapshot per node");

        _observer.Step($"Collection '{collection}': streaming {placement.LocalShards.Count} shard(s), {options.ShardsInFlight} at a time");
        var parts = new ConcurrentBag<PartManifest>();
        await Parallel.ForEachAsync(placement.LocalShards.OrderBy(s => s.ShardId),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.ShardsInFlight), CancellationToken = cancellationToken },
            async (shard, ct) =>
            {
                var what = $"shard {shard.ShardId} of collection '{collection}'";
                var download = await QdrantErrors.Guard(qdrant,
                    $"stream {what}: streaming a shard snapshot needs write access to the collection (snapshot mode needs it too; use a read-write key)",
                    () => qdrant.OpenShardSnapshotStreamAsync(collection, shard.ShardId, ct)).ConfigureAwait(false);
                var partKey = RepositoryFormat.ShardPartKey(collection, shard.ShardId);
                var (size, sha256) = await StorePartAsync(backupId, partKey, download, what, null, options.PutOptions, written, ct)
                    .ConfigureAwait(false);
                parts.Add(new PartManifest
                {
                    Key = partKey,
                    Contents = PartContents.Shard,
                    ShardId = shard.ShardId,
                    SizeBytes = size,
                    Sha256 = sha256,
                    Points = shard.PointsCount,
                    SnapshotName = download.SnapshotName,
                });
            }).ConfigureAwait(false);
        return parts.OrderBy(p => p.ShardId).ToList();
    }

    /// <summary>
    /// Streams one part into the store: read-ahead (keeps Qdrant's stream flowing while the store writes, on another
    /// core) → tar-end check (a cut stream is refused before the store commits it) → SHA-256 on the fly.
    /// </summary>
    private async Task<(long Size, string Sha256)> StorePartAsync(string backupId, string partKey, Stream download, string what,
        long? expectedSize, PutOptions? putOptions, ConcurrentBag<string> written, CancellationToken cancellationToken)
    {
        var key = RepositoryFormat.BackupDirectory(backupId) + partKey;
        using var transfer = _observer.BeginTransfer($"Qdrant → {partKey}", expectedSize);
        var hashing = new HashingReadStream(new TarEndCheckingStream(new ReadAheadStream(download), what), progress: transfer);
        await using (hashing.ConfigureAwait(false))
        {
            // Recorded before the write: a write that fails half-way may still have left data behind to remove.
            written.Add(key);
            try
            {
                var size = await store.PutAsync(key, hashing, (putOptions ?? new PutOptions()) with { ExpectedSize = expectedSize }, cancellationToken)
                    .ConfigureAwait(false);
                return (size, hashing.Sha256);
            }
            catch (IOException e)
            {
                // The stores translate their own I/O errors; a raw IOException is the download breaking off.
                throw new OperationFailedException($"{what} could not be read to its end: {e.Message}", e);
            }
        }
    }

    /// <summary>Qdrant's snapshot is a full copy on the node's disk: it goes whatever happened, even on cancellation.</summary>
    private async Task DeleteSnapshotAsync(string collection, string snapshotName)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await qdrant.DeleteSnapshotAsync(collection, snapshotName, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is VectorDRException or OperationCanceledException)
        {
            logger.LogWarning("Could not delete snapshot {Snapshot} of {Collection} on Qdrant; delete it by hand to free disk: {Error}",
                snapshotName, collection, e.Message);
        }
    }

    private async Task RemovePartsAsync(IEnumerable<string> keys)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        foreach (var key in keys)
        {
            try
            {
                await store.DeleteAsync(key, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is VectorDRException or OperationCanceledException or IOException)
            {
                logger.LogWarning("Could not remove part {Key} of the failed backup from {Location} ({Error}); `vectordr gc` will",
                    key, store.DisplayLocation, e.Message);
            }
        }
    }
}
