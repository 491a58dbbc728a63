using System.Globalization;
using VectorDR.Core.Errors;
using VectorDR.Core.Repository;
using VectorDR.Storage;

namespace VectorDR.Engine.Repository;

/// <summary>
/// The backups in one location. Only committed backups (those with a manifest) exist here: parts without a
/// manifest are an interrupted run and are invisible to every reader.
/// </summary>
public sealed class BackupRepository(IObjectStore store)
{
    public IObjectStore Store { get; } = store;

    public string Location => Store.DisplayLocation;

    /// <summary>Ids of committed backups in id order (chronological to the second they started).</summary>
    public async Task<IReadOnlyList<string>> ListBackupIdsAsync(CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var o in Store.ListAsync(RepositoryFormat.BackupsPrefix, cancellationToken).ConfigureAwait(false))
        {
            if (RepositoryFormat.BackupIdOfManifestKey(o.Key) is { } id) ids.Add(id);
        }
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    /// <summary>
    /// Every committed backup's manifest, oldest first by completion (ids only order backups to the second in which
    /// they started).
    /// </summary>
    public async Task<IReadOnlyList<BackupManifest>> ListAsync(CancellationToken cancellationToken)
    {
        var ids = await ListBackupIdsAsync(cancellationToken).ConfigureAwait(false);
        var manifests = new List<BackupManifest>(ids.Count);
        foreach (var id in ids) manifests.Add(await ReadManifestAsync(id, cancellationToken).ConfigureAwait(false));
        return manifests.OrderBy(m => m.CompletedAt).ThenBy(m => m.BackupId, StringComparer.Ordinal).ToList();
    }

    public async Task<BackupManifest> ReadManifestAsync(string backupId, CancellationToken cancellationToken)
    {
        var key = RepositoryFormat.ManifestKey(backupId);
        Stream stream;
        try
        {
            stream = await Store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException)
        {
            throw new InvalidInputException($"backup '{backupId}' does not exist in {Location}");
        }

        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            var manifest = RepositoryFormat.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), $"manifest of backup '{backupId}' in {Location}");
            if (manifest.BackupId != backupId)
                throw new OperationFailedException(
                    $"manifest of backup '{backupId}' in {Location} names backup '{manifest.BackupId}': the repository is corrupt");
            return manifest;
        }
    }

    /// <summary>Commits a backup. Called last, after every part is stored.</summary>
    public async Task WriteManifestAsync(BackupManifest manifest, PutOptions? options, CancellationToken cancellationToken)
    {
        using var content = new MemoryStream(RepositoryFormat.Serialize(manifest), writable: false);
        await Store.PutAsync(RepositoryFormat.ManifestKey(manifest.BackupId), content, options, cancellationToken).ConfigureAwait(false);
    }

    public static string PartKey(string backupId, PartManifest part) => RepositoryFormat.BackupDirectory(backupId) + part.Key;

    /// <summary>Resolves a selector to one committed backup, failing with what was searched and what exists.</summary>
    public async Task<BackupManifest> SelectAsync(BackupSelector selector, CancellationToken cancellationToken)
    {
        if (selector.BackupId is { } id) return await ReadManifestAsync(id, cancellationToken).ConfigureAwait(false);

        var all = await ListAsync(cancellationToken).ConfigureAwait(false);
        if (all.Count == 0) throw new InvalidInputException($"{Location} holds no committed backup");

        if (selector.PointInTime is not { } at) return all[^1];

        var chosen = all.Where(m => m.CompletedAt <= at).MaxBy(m => m.CompletedAt);
        return chosen ?? throw new InvalidInputException(
            $"{Location} holds no backup completed at or before {Format(at)}; the earliest is '{all[0].BackupId}' " +
            $"completed at {Format(all[0].CompletedAt)}");
    }

    private static string Format(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>Exactly one of: a backup id, the latest backup, or the newest backup completed at or before a time.</summary>
public sealed record BackupSelector
{
    private BackupSelector() { }

    public string? BackupId { get; private init; }
    public DateTimeOffset? PointInTime { get; private init; }
    public bool Latest => BackupId is null && PointInTime is null;

    public static BackupSelector ById(string backupId) => new() { BackupId = backupId };
    public static BackupSelector LatestBackup() => new();
    public static BackupSelector AtOrBefore(DateTimeOffset pointInTime) => new() { PointInTime = pointInTime };

    public override string ToString() =>
        BackupId is not null ? $"backup '{BackupId}'" : PointInTime is { } t ? $"the newest backup at or before {t:O}" : "the latest backup";
}
