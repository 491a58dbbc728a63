using System.Diagnostics;
using Microsoft.Extensions.Logging;
using VectorDR.Core.Errors;
using VectorDR.Core.Repository;
using VectorDR.Engine.IO;
using VectorDR.Engine.Repository;
using VectorDR.Storage;

namespace VectorDR.Engine.Copy;

public sealed record CopyResult(bool Succeeded, string Source, string Destination, long BytesCopied, double DurationSeconds,
    IReadOnlyList<BackupCopyResult> Backups);

/// <summary><see cref="Outcome"/>: <c>copied</c>, <c>skipped</c> (already complete at the destination) or <c>failed</c>.</summary>
public sealed record BackupCopyResult(string BackupId, string Outcome, long Bytes, int PartsServerSide, int PartsStreamed,
    string? Error = null);

/// <summary>
/// Copies committed backups to another location (a standby region) and proves them there: every part is re-read at
/// the destination and its SHA-256 recomputed before the destination manifest is written, last. Idempotent: a
/// backup already committed at the destination is skipped; parts left by an interrupted copy are re-checked and
/// reused when intact, re-copied otherwise.
/// </summary>
public sealed class Replicator(IObjectStore source, IObjectStore destination, TimeProvider time, ILogger<Replicator> logger,
    IOperationObserver? observer = null)
{
    private readonly IOperationObserver _observer = observer ?? NullOperationObserver.Instance;

    /// <param name="backupId">One backup, or null for every committed backup of the source.</param>
    public async Task<CopyResult> CopyAsync(string? backupId, PutOptions? putOptions, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var from = new BackupRepository(source);
        var to = new BackupRepository(destination);
        var ids = backupId is not null ? [backupId] : await from.ListBackupIdsAsync(cancellationToken).ConfigureAwait(false);
        var present = (await to.ListBackupIdsAsync(cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);

        var results = new List<BackupCopyResult>();
        foreach (var id in ids)
        {
            var manifest = await from.ReadManifestAsync(id, cancellationToken).ConfigureAwait(false);
            if (present.Contains(id))
            {
                results.Add(new BackupCopyResult(id, "skipped", 0, 0, 0));
                continue;
            }
            try
            {
                results.Add(await CopyBackupAsync(manifest, to, putOptions, cancellationToken).ConfigureAwait(false));
            }
            catch (VectorDRException e) when (backupId is null)
            {
                // With --all, one bad backup must not stop the others from reaching the standby region.
                logger.LogError("Copy of backup {BackupId} failed: {Error}", id, e.Message);
                results.Add(new BackupCopyResult(id, "failed", 0, 0, 0, e.Message));
            }
        }

        return new CopyResult(results.All(r => r.Outcome != "failed"), source.DisplayLocation, destination.DisplayLocation,
            results.Sum(r => r.Bytes), time.GetElapsedTime(started).TotalSeconds, results);
    }

    private async Task<BackupCopyResult> CopyBackupAsync(BackupManifest manifest, BackupRepository to, PutOptions? putOptions,
        CancellationToken cancellationToken)
    {
        _observer.Step($"Copying backup {manifest.BackupId} to {destination.DisplayLocation}");
        int serverSide = 0, streamed = 0;
        long bytes = 0;
        foreach (var part in manifest.Collections.SelectMany(c => c.Parts))
        {
            var key = BackupRepository.PartKey(manifest.BackupId, part);
            if (await IsIntactAsync(destination, manifest.BackupId, part, cancellationToken).ConfigureAwait(false)) continue;

            var options = (putOptions ?? new PutOptions()) with { ExpectedSize = part.SizeBytes };
            if (destination is IServerSideCopyTarget target &&
                await target.TryServerSideCopyAsync(source, key, key, options, cancellationToken).ConfigureAwait(false))
            {
                serverSide++;
            }
            else
            {
                using var transfer = _observer.BeginTransfer($"{part.Key} → {destination.DisplayLocation}", part.SizeBytes);
                var read = await OpenPartAsync(source, key, manifest.BackupId, cancellationToken).ConfigureAwait(false);
                var checkedRead = new HashingReadStream(read, new HashingReadStream.Expectation($"part {key} at {source.DisplayLocation}",
                    part.SizeBytes, part.Sha256), transfer);
                await using (checkedRead.ConfigureAwait(false))
                    await destination.PutAsync(key, checkedRead, options, cancellationToken).ConfigureAwait(false);
                streamed++;
            }
            bytes += part.SizeBytes;
        }

        // Trust nothing that was not read back from where it now lives: the destination is what a restore will use.
        _observer.Step($"Verifying backup {manifest.BackupId} at {destination.DisplayLocation}");
        foreach (var part in manifest.Collections.SelectMany(c => c.Parts))
            await VerifyAsync(destination, manifest.BackupId, part, cancellationToken).ConfigureAwait(false);

        await to.WriteManifestAsync(manifest, putOptions, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Backup {BackupId} copied to {Destination} and verified there ({Bytes} bytes)", manifest.BackupId,
            destination.DisplayLocation, bytes);
        return new BackupCopyResult(manifest.BackupId, "copied", bytes, serverSide, streamed);
    }

    private static async Task<bool> IsIntactAsync(IObjectStore store, string backupId, PartManifest part, CancellationToken cancellationToken)
    {
        var info = await store.GetInfoAsync(BackupRepository.PartKey(backupId, part), cancellationToken).ConfigureAwait(false);
        if (info is null || info.Size != part.SizeBytes) return false;
        try
        {
            await VerifyAsync(store, backupId, part, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationFailedException)
        {
            return false;
        }
    }

    /// <summary>A part missing from a committed backup is damage, not a typo: it fails the operation.</summary>
    private static async Task<Stream> OpenPartAsync(IObjectStore store, string key, string backupId, CancellationToken cancellationToken)
    {
        try
        {
            return await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException e)
        {
            throw new OperationFailedException($"part {key} of backup '{backupId}' is missing from {store.DisplayLocation}", e);
        }
    }

    private static async Task VerifyAsync(IObjectStore store, string backupId, PartManifest part, CancellationToken cancellationToken)
    {
        var key = BackupRepository.PartKey(backupId, part);
        var read = await OpenPartAsync(store, key, backupId, cancellationToken).ConfigureAwait(false);
        var hashing = new HashingReadStream(read, new HashingReadStream.Expectation($"part {key} at {store.DisplayLocation}",
            part.SizeBytes, part.Sha256));
        await using (hashing.ConfigureAwait(false))
            await hashing.CopyToAsync(Stream.Null, 1 << 20, cancellationToken).ConfigureAwait(false);
    }
}
