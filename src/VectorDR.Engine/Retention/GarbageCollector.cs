using Microsoft.Extensions.Logging;
using VectorDR.Core.Repository;
using VectorDR.Engine.Repository;
using VectorDR.Storage;

namespace VectorDR.Engine.Retention;

public sealed record GcResult(bool Applied, string Location, TimeSpan Grace, IReadOnlyList<GcEntry> Orphans, int InProgress,
    IReadOnlyList<PendingUpload> StaleUploads, int StaleUploadsAborted);

/// <summary>An uncommitted backup directory: removed (or to remove without --apply) with the reason.</summary>
public sealed record GcEntry(string BackupId, int Objects, long SizeBytes, DateTimeOffset NewestObject, string Reason);

/// <summary>
/// Finds what interrupted runs left: backup directories without a manifest, and unfinished uploads. A directory is
/// garbage when a prune marked it for deletion, or when nothing in it changed for longer than the grace period;
/// younger ones may belong to a backup still running and are left alone.
/// </summary>
public sealed class GarbageCollector(IObjectStore store, TimeProvider time, ILogger<Pruner> logger)
{
    public async Task<GcResult> CollectAsync(TimeSpan grace, bool apply, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var inventory = await RepositoryInventory.ReadAsync(store, cancellationToken).ConfigureAwait(false);
        var orphans = new List<GcEntry>();
        var inProgress = 0;
        foreach (var d in inventory.Where(d => !d.Committed))
        {
            string? reason = d.BeingDeleted ? "an interrupted prune marked it for deletion"
                : now - d.NewestObject > grace ? $"no manifest and untouched for {(now - d.NewestObject).TotalHours:0.#} h"
                : null;
            if (reason is null)
            {
                inProgress++;
                continue;
            }
            orphans.Add(new GcEntry(d.BackupId, d.Objects, d.SizeBytes, d.NewestObject, reason));
        }

        var pending = new List<PendingUpload>();
        var aborted = 0;
        if (store is IStaleUploadJanitor janitor)
        {
            await foreach (var u in janitor.ListPendingUploadsAsync(RepositoryFormat.BackupsPrefix, cancellationToken).ConfigureAwait(false))
                if (now - u.Started > grace) pending.Add(u);
            if (apply) aborted = await janitor.AbortStaleUploadsAsync(grace, RepositoryFormat.BackupsPrefix, cancellationToken).ConfigureAwait(false);
        }

        if (apply)
        {
            var pruner = new Pruner(store, time, logger);
            foreach (var o in orphans)
                await pruner.DeleteDirectoryAsync(RepositoryFormat.BackupDirectory(o.BackupId), cancellationToken).ConfigureAwait(false);
        }
        return new GcResult(apply, store.DisplayLocation, grace, orphans, inProgress, pending, aborted);
    }
}
