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
}

public sealed record BackupResult(
    string BackupId,
    string Location,
    DateTimeOffset StartedAt,
    DateTimeOffset CompletedAt,
    double DurationSeconds,
    long SizeBytes,
    long Points,
    IReadOnlyList<CollectionBackupResult> Collections);

public sealed record CollectionBackupResult(string Name, long Points, long SizeBytes, int Parts, int Probes);

/// <summary>
/// Qdrant → SHA-256 → object store, one collection snapshot at a time, then the manifest last. Nothing is staged:
/// the snapshot download is hashed as it streams into the store. On failure every part already written is removed
/// (best effort; <c>vectordr gc</c> finds the rest) and no manifest exists, so the run leaves no backup that looks
/// complete. The snapshot created on Qdrant's disk is always deleted.
/// </summary>
public sealed class BackupEngine(IQdrantClient qdrant, IObjectStore store, TimeProvider time, ILogger<BackupEngine> logger,
    IOperationObserver? observer = null)
{
    private readonly IOperationObserver _observer = observer ?? NullOperationObserver.Instance;
    private readonly BackupRepository _repository = new(store);

    public async Task<BackupResult> RunAsync(BackupOptions options, CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        var backupId = RepositoryFormat.NewBackupId(startedAt);
        var source = qdrant.BaseAddress.ToString();
        logger.LogInformation("Backup {BackupId} of {Source} to {Location} started", backupId, source, store.DisplayLocation);

        var version = await qdrant.GetVersionAsync(cancellationToken).ConfigureAwait(false);
        var cluster = await QdrantErrors.Guard(qdrant, "read the cluster status", () => qdrant.GetClusterAsync(cancellationToken)).ConfigureAwait(false);
        var collections = await ResolveCollectionsAsync(options.Collections, cancellationToken).ConfigureAwait(false);

        // Look every collection up before taking any snapshot: a typo fails fast and costs the database nothing.
        var infos = new Dictionary<string, CollectionInfo>(StringComparer.Ordinal);
        foreach (var name in collections)
            infos[name] = await GetCollectionAsync(name, cancellationToken).ConfigureAwait(false);
        var aliases = await QdrantErrors.Guard(qdrant, "list aliases", () => qdrant.ListAliasesAsync(cancellationToken)).ConfigureAwait(false);

        var written = new List<string>();
        try
        {
            var manifests = new List<CollectionManifest>();
            foreach (var name in collections)
            {
                manifests.Add(await BackUpCollectionAsync(backupId, name, infos[name], aliases, options, written, cancellationToken)
                    .ConfigureAwait(false));
            }

            var manifest = new BackupManifest
            {
                FormatVersion = RepositoryFormat.CurrentVersion,
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
            logger.LogInformation("Backup {BackupId} committed: {Collections} collections, {Bytes} bytes", backupId, manifests.Count,
                manifest.TotalSizeBytes);

            return new BackupResult(backupId, store.DisplayLocation, startedAt, manifest.CompletedAt,
                (manifest.CompletedAt - startedAt).TotalSeconds, manifest.TotalSizeBytes, manifest.TotalPoints,
                manifests.Select(m => new CollectionBackupResult(m.Name, m.PointCount, m.Parts.Sum(p => p.SizeBytes), m.Parts.Count,
                    m.Probes?.Probes.Count ?? 0)).ToList());
        }
        catch
        {
            await RemovePartsAsync(written).ConfigureAwait(false);
            throw;
        }
    }

    internal static string ToolVersion =>
        typeof(BackupEngine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

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
        IReadOnlyList<AliasDescription> aliases, BackupOptions options, List<string> written, CancellationToken cancellationToken)
    {
        _observer.Step($"Collection '{name}': counting points and sampling {options.Probes} probe queries");
        var countBefore = await qdrant.CountAsync(name, exact: true, cancellationToken).ConfigureAwait(false);
        var probes = await Probes.CaptureAsync(qdrant, info, name, options.Probes, options.TopK, seed: backupId.GetHashCode(StringComparison.Ordinal),
            cancellationToken).ConfigureAwait(false);

        _observer.Step($"Collection '{name}': creating a snapshot on Qdrant");
        var snapshot = await QdrantErrors.Guard(qdrant, $"create a snapshot of collection '{name}' (needs write access)",
            () => qdrant.CreateSnapshotAsync(name, cancellationToken)).ConfigureAwait(false);
        PartManifest part;
        try
        {
            part = await StorePartAsync(backupId, name, snapshot, options.PutOptions, written, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await DeleteSnapshotAsync(name, snapshot.Name).ConfigureAwait(false);
        }

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
            Parts = [part with { Points = countAfter == countBefore ? countAfter : null }],
            Probes = probes,
        };
    }

    private async Task<PartManifest> StorePartAsync(string backupId, string collection, SnapshotDescription snapshot,
        PutOptions? putOptions, List<string> written, CancellationToken cancellationToken)
    {
        var partKey = RepositoryFormat.CollectionPartKey(collection);
        var key = RepositoryFormat.BackupDirectory(backupId) + partKey;
        using var transfer = _observer.BeginTransfer($"{collection} → {partKey}", snapshot.Size);

        var download = await qdrant.OpenSnapshotAsync(collection, snapshot.Name, cancellationToken).ConfigureAwait(false);
        var hashing = new HashingReadStream(download, progress: transfer);
        long size;
        await using (hashing.ConfigureAwait(false))
        {
            // Recorded before the write: a write that fails half-way may still have left data behind to remove.
            written.Add(key);
            size = await store.PutAsync(key, hashing, (putOptions ?? new PutOptions()) with { ExpectedSize = snapshot.Size }, cancellationToken)
                .ConfigureAwait(false);
        }

        if (size != snapshot.Size)
            throw new OperationFailedException(
                $"snapshot {snapshot.Name} of collection '{collection}' arrived with {size} bytes, Qdrant announced {snapshot.Size}");
        if (snapshot.Checksum is { } expected && !string.Equals(expected, hashing.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new OperationFailedException(
                $"snapshot {snapshot.Name} of collection '{collection}' arrived with SHA-256 {hashing.Sha256}, Qdrant computed {expected}: corrupted in transit");

        return new PartManifest
        {
            Key = partKey,
            Contents = PartContents.Collection,
            SizeBytes = size,
            Sha256 = hashing.Sha256,
            SnapshotName = snapshot.Name,
        };
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
