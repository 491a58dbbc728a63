using VectorDR.Core.Errors;
using VectorDR.Engine.IO;
using VectorDR.Engine.Repository;
using VectorDR.Storage;

namespace VectorDR.Engine.Verification;

public sealed record VerifyResult(bool Succeeded, string BackupId, string Location, long BytesRead, double DurationSeconds,
    IReadOnlyList<PartVerifyResult> Parts);

public sealed record PartVerifyResult(string Collection, string Key, long SizeBytes, string Sha256, bool Ok, string? Error);

/// <summary>
/// Re-reads every part of a backup from its location and recomputes sizes and SHA-256 against the manifest.
/// A bad part is reported by name and the check goes on, so one run lists every damaged part.
/// </summary>
public sealed class RepositoryVerifier(IObjectStore store, TimeProvider time, IOperationObserver? observer = null)
{
    private readonly IOperationObserver _observer = observer ?? NullOperationObserver.Instance;

    public async Task<VerifyResult> VerifyAsync(BackupSelector selector, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var repository = new BackupRepository(store);
        var manifest = await repository.SelectAsync(selector, cancellationToken).ConfigureAwait(false);
        _observer.Step($"Verifying backup {manifest.BackupId} in {store.DisplayLocation}");

        var results = new List<PartVerifyResult>();
        long total = 0;
        foreach (var collection in manifest.Collections)
        {
            foreach (var part in collection.Parts)
            {
                var key = BackupRepository.PartKey(manifest.BackupId, part);
                string? error = null;
                try
                {
                    using var transfer = _observer.BeginTransfer(part.Key, part.SizeBytes);
                    var source = await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
                    var hashing = new HashingReadStream(source, new HashingReadStream.Expectation($"part {key}", part.SizeBytes, part.Sha256), transfer);
                    await using (hashing.ConfigureAwait(false))
                    {
                        await hashing.CopyToAsync(Stream.Null, 1 << 20, cancellationToken).ConfigureAwait(false);
                        total += hashing.BytesRead;
                    }
                }
                catch (ObjectNotFoundException)
                {
                    error = $"part {key} is missing";
                }
                catch (VectorDRException e)
                {
                    error = e.Message;
                }
                results.Add(new PartVerifyResult(collection.Name, key, part.SizeBytes, part.Sha256, error is null, error));
            }
        }

        return new VerifyResult(results.All(r => r.Ok), manifest.BackupId, store.DisplayLocation, total,
            time.GetElapsedTime(started).TotalSeconds, results);
    }
}
