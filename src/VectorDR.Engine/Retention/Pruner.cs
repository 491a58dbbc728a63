using Microsoft.Extensions.Logging;
using VectorDR.Core.Errors;
using VectorDR.Core.Repository;
using VectorDR.Engine.Repository;
using VectorDR.Storage;

namespace VectorDR.Engine.Retention;

public sealed record PruneResult(bool DryRun, string Location, int Kept, int Deleted, IReadOnlyList<PruneEntry> Backups);

/// <summary>
/// One backup's fate. <see cref="Action"/>: <c>keep</c> (with <see cref="KeptBy"/>), <c>delete</c> (done, or planned in
/// a dry run), <c>locked</c> (retention chose to delete it but Object Lock keeps it until <see cref="LockedUntil"/>), or
/// <c>error</c> (the store refused the deletion; the backup is intact).
/// </summary>
public sealed record PruneEntry(string BackupId, DateTimeOffset CompletedAt, string Action, IReadOnlyList<string> KeptBy,
    string? Message = null)
{
    public DateTimeOffset? LockedUntil { get; init; }
}

/// <summary>
/// Applies a <see cref="RetentionPolicy"/> to a repository. Deleting a backup first writes a deletion marker, then
/// removes the manifest (from then on the backup no longer exists for any reader), then the parts, then the marker.
/// A run killed half-way leaves the marker, and the next prune or <c>gc</c> finishes the job; nothing is ever left
/// that looks like a complete backup but is not.
/// </summary>
public sealed class Pruner(IObjectStore store, TimeProvider time, ILogger<Pruner> logger, IOperationObserver? observer = null)
{
    public const string DeletionMarkerName = "deleting";
    private readonly IOperationObserver _observer = observer ?? NullOperationObserver.Instance;

    public async Task<PruneResult> PruneAsync(RetentionPolicy policy, bool dryRun, CancellationToken cancellationToken)
    {
        policy.Validate();
        var repository = new BackupRepository(store);
        var manifests = await repository.ListAsync(cancellationToken).ConfigureAwait(false);
        var decisions = policy.Plan(manifests.Select(m => (m.BackupId, m.CompletedAt)));
        var byId = manifests.ToDictionary(m => m.BackupId, StringComparer.Ordinal);

        var entries = new List<PruneEntry>();
        foreach (var d in decisions)
        {
            if (d.Keep)
            {
                entries.Add(new PruneEntry(d.BackupId, d.CompletedAt, "keep", d.KeptBy));
                continue;
            }
            // On a locked bucket S3 "deletes" by adding a delete marker: the backup would vanish from listings while its
            // locked bytes stay. Ask for the manifest's retention first and keep a locked backup whole and visible.
            var manifestInfo = await store.GetInfoAsync(RepositoryFormat.ManifestKey(d.BackupId), cancellationToken).ConfigureAwait(false);
            if (manifestInfo?.RetainUntil is { } until && until > time.GetUtcNow())
            {
                entries.Add(new PruneEntry(d.BackupId, d.CompletedAt, "locked", [], $"Object Lock keeps it until {until:u}") { LockedUntil = until });
                continue;
            }

            if (dryRun)
            {
                entries.Add(new PruneEntry(d.BackupId, d.CompletedAt, "delete", []));
                continue;
            }

            _observer.Step($"Deleting backup {d.BackupId}");
            try
            {
                await DeleteBackupAsync(byId[d.BackupId], cancellationToken).ConfigureAwait(false);
                entries.Add(new PruneEntry(d.BackupId, d.CompletedAt, "delete", []));
            }
            catch (StorageException e)
            {
                // A refusal (no permission, a lock we could not see) comes at the manifest, before anything is gone: the
                // backup stays whole. Keep going with the rest.
                logger.LogWarning("Backup {BackupId} could not be deleted and stays complete: {Error}", d.BackupId, e.Message);
                entries.Add(new PruneEntry(d.BackupId, d.CompletedAt, "error", [], e.Message));
            }
        }

        if (!dryRun) await FinishInterruptedDeletionsAsync(cancellationToken).ConfigureAwait(false);
        return new PruneResult(dryRun, store.DisplayLocation, entries.Count(e => e.Action != "delete"), entries.Count(e => e.Action == "delete"),
            entries);
    }

    private async Task DeleteBackupAsync(BackupManifest manifest, CancellationToken cancellationToken)
    {
        var directory = RepositoryFormat.BackupDirectory(manifest.BackupId);
        using (var marker = new MemoryStream([]))
            await store.PutAsync(directory + DeletionMarkerName, marker, null, cancellationToken).ConfigureAwait(false);
        try
        {
            await store.DeleteAsync(RepositoryFormat.ManifestKey(manifest.BackupId), cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException)
        {
            // The backup is intact. Remove the marker if we may; a marker beside a manifest is ignored by gc and prune.
            try
            {
                await store.DeleteAsync(directory + DeletionMarkerName, CancellationToken.None).ConfigureAwait(false);
            }
            catch (StorageException e)
            {
                logger.LogDebug("Deletion marker of {BackupId} stays: {Error}", manifest.BackupId, e.Message);
            }
            throw;
        }
        await DeleteDirectoryAsync(directory, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes every object of a backup directory, the deletion marker last.</summary>
    internal async Task DeleteDirectoryAsync(string directory, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        await foreach (var o in store.ListAsync(directory, cancellationToken).ConfigureAwait(false)) keys.Add(o.Key);
        foreach (var key in keys.Where(k => !k.EndsWith("/" + DeletionMarkerName, StringComparison.Ordinal)))
            await store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        await store.DeleteAsync(directory + DeletionMarkerName, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Deleted {Directory} ({Objects} objects) from {Location}", directory, keys.Count, store.DisplayLocation);
    }

    private async Task FinishInterruptedDeletionsAsync(CancellationToken cancellationToken)
    {
        var inventory = await RepositoryInventory.ReadAsync(store, cancellationToken).ConfigureAwait(false);
        foreach (var d in inventory.Where(d => d.BeingDeleted && !d.Committed))
            await DeleteDirectoryAsync(RepositoryFormat.BackupDirectory(d.BackupId), cancellationToken).ConfigureAwait(false);
    }
}
