using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using VectorDR.Core.Errors;
using VectorDR.Core.Repository;
using VectorDR.Engine.IO;
using VectorDR.Engine.Repository;
using VectorDR.Engine.Verification;
using VectorDR.Qdrant;
using VectorDR.Storage;

namespace VectorDR.Engine.Restore;

public enum OnExisting
{
    /// <summary>Refuse, leaving the existing collection untouched.</summary>
    Fail,

    /// <summary>Recover the backup over the existing collection (Qdrant requires the same vectors and shard number).</summary>
    Replace,
}

public enum TransferMode
{
    /// <summary>
    /// Pre-signed URL when the store offers one that Qdrant can fetch (Qdrant pulls the bytes itself), else stream; a
    /// store whose certificate comes from a private CA streams.
    /// </summary>
    Auto,

    /// <summary>Qdrant downloads the part from a pre-signed URL; the bytes never pass through vectordr.</summary>
    Url,

    /// <summary>vectordr reads the part and streams it to Qdrant's upload endpoint, checking its SHA-256 on the way.</summary>
    Stream,
}

/// <summary>Restore collection <see cref="From"/> of the backup as <see cref="To"/>.</summary>
public sealed record CollectionMapping(string From, string To)
{
    /// <summary>Parses <c>FROM[:TO]</c>. Qdrant collection names cannot contain ':', so the split is unambiguous.</summary>
    public static CollectionMapping Parse(string text)
    {
        var i = text.IndexOf(':');
        var (from, to) = i < 0 ? (text, text) : (text[..i], text[(i + 1)..]);
        if (from.Length == 0 || to.Length == 0)
            throw new InvalidInputException($"--collection '{text}': expected FROM or FROM:TO with non-empty names");
        return new CollectionMapping(from, to);
    }
}

public sealed record RestoreOptions
{
    public required BackupSelector Selector { get; init; }

    /// <summary>Collections to restore; empty = every collection in the backup, under its own name.</summary>
    public IReadOnlyList<CollectionMapping> Collections { get; init; } = [];

    public OnExisting OnExisting { get; init; } = OnExisting.Fail;

    /// <summary>Alias to point at the restored collection once it verified (needs exactly one collection).</summary>
    public string? SwitchAlias { get; init; }

    /// <summary>Lowest acceptable mean recall@k of the probe queries (1.0 = the same ids).</summary>
    public double MinRecall { get; init; } = 1.0;

    public TransferMode Transfer { get; init; } = TransferMode.Auto;
}

public sealed record RestoreResult(
    bool Succeeded,
    string? Message,
    string BackupId,
    string Location,
    string Target,
    DateTimeOffset StartedAt,
    DateTimeOffset CompletedAt,
    double DurationSeconds,
    IReadOnlyList<CollectionRestoreResult> Collections,
    string? AliasSwitched);

public sealed record CollectionRestoreResult(
    string From,
    string To,
    long Points,
    long ExpectedPoints,
    double? Recall,
    bool ConfigMatches,
    bool Verified,
    string? Message);

/// <summary>
/// Restores a backup into Qdrant and proves it: exact point count, vector configuration and probe recall must match
/// the manifest before the restore counts as a success and before any alias is switched.
/// Every check that can be made before touching the target is made first (backup exists, collections exist in it,
/// parts are present with the recorded sizes, targets are free or compatible), so a refused restore changes nothing.
/// </summary>
public sealed class RestoreEngine(IQdrantClient qdrant, IObjectStore store, TimeProvider time, ILogger<RestoreEngine> logger,
    IOperationObserver? observer = null)
{
    private static readonly TimeSpan ReadUrlValidity = TimeSpan.FromHours(6);

    // Kubernetes gives a stopped pod 30 s by default before SIGKILL; the cleanup must end well inside that.
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(15);
    private readonly IOperationObserver _observer = observer ?? NullOperationObserver.Instance;
    private readonly BackupRepository _repository = new(store);

    public async Task<RestoreResult> RunAsync(RestoreOptions options, CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        _observer.Step($"Selecting {options.Selector} in {store.DisplayLocation}");
        var manifest = await BackupSelection.SelectAsync(_repository, options.Selector, cancellationToken).ConfigureAwait(false);
        var plan = ResolvePlan(manifest, options);
        logger.LogInformation("Restore of backup {BackupId} from {Location} into {Target} started", manifest.BackupId,
            store.DisplayLocation, qdrant.BaseAddress);

        await CheckPartsAsync(manifest, plan, cancellationToken).ConfigureAwait(false);
        var existing = await CheckTargetsAsync(plan, options.OnExisting, cancellationToken).ConfigureAwait(false);
        try
        {
            return await RestoreAndVerifyAsync(manifest, plan, options, startedAt, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Whatever surfaced (a cancelled request may be reported as a transport error): stopped from outside (Ctrl-C, SIGTERM of a deleted Job's pod): a collection this run created is unfinished
            // and must not be mistaken for a good one. Collections that existed before are never removed (with replace
            // they are half-overwritten: the error says so).
            await RemoveCreatedAsync(plan.Select(p => p.Mapping.To).Where(t => !existing.Contains(t)).ToList()).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<RestoreResult> RestoreAndVerifyAsync(BackupManifest manifest, List<(CollectionManifest Collection, CollectionMapping Mapping)> plan,
        RestoreOptions options, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        var transfer = EffectiveTransfer(options.Transfer);
        foreach (var (collection, mapping) in plan)
        {
            if (collection.Parts.Any(p => p.Contents == PartContents.Shard))
            {
                await RestoreShardsAsync(manifest.BackupId, collection, mapping.To, transfer, cancellationToken).ConfigureAwait(false);
                continue;
            }
            foreach (var part in collection.Parts)
                await RecoverPartAsync(manifest.BackupId, mapping.To, part, transfer, cancellationToken).ConfigureAwait(false);
        }

        var results = new List<CollectionRestoreResult>();
        foreach (var (collection, mapping) in plan)
            results.Add(await VerifyAsync(collection, mapping, options.MinRecall, cancellationToken).ConfigureAwait(false));

        var failed = results.Where(r => !r.Verified).ToList();
        string? aliasSwitched = null;
        if (failed.Count == 0 && options.SwitchAlias is { } alias)
        {
            var target = plan[0].Mapping.To;
            _observer.Step($"Pointing alias '{alias}' at '{target}'");
            await QdrantErrors.Guard(qdrant, $"switch alias '{alias}' (needs manage access)",
                () => qdrant.UpdateAliasesAsync([new AliasOperation.Create(alias, target)], cancellationToken)).ConfigureAwait(false);
            aliasSwitched = alias;
        }

        var completedAt = time.GetUtcNow();
        var message = failed.Count == 0
            ? null
            : "verification failed: " + string.Join("; ", failed.Select(f => $"'{f.To}': {f.Message}")) +
              (options.SwitchAlias is { } a ? $"; alias '{a}' was not switched" : "");
        if (message is not null) logger.LogError("Restore of backup {BackupId} failed: {Message}", manifest.BackupId, message);
        return new RestoreResult(failed.Count == 0, message, manifest.BackupId, store.DisplayLocation, qdrant.BaseAddress.ToString(),
            startedAt, completedAt, (completedAt - startedAt).TotalSeconds, results, aliasSwitched);
    }

    private static List<(CollectionManifest Collection, CollectionMapping Mapping)> ResolvePlan(BackupManifest manifest, RestoreOptions options)
    {
        var byName = manifest.Collections.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var mappings = options.Collections.Count > 0
            ? options.Collections
            : manifest.Collections.Select(c => new CollectionMapping(c.Name, c.Name)).ToList();

        var plan = new List<(CollectionManifest, CollectionMapping)>();
        foreach (var m in mappings)
        {
            if (!byName.TryGetValue(m.From, out var c))
                throw new InvalidInputException(
                    $"backup '{manifest.BackupId}' has no collection '{m.From}'; it holds: {string.Join(", ", byName.Keys.Order(StringComparer.Ordinal))}");
            plan.Add((c, m));
        }

        var duplicate = plan.GroupBy(p => p.Item2.To, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidInputException($"two collections would be restored as '{duplicate.Key}'");
        if (options.SwitchAlias is not null && plan.Count != 1)
            throw new InvalidInputException($"--switch-alias needs exactly one collection to restore, not {plan.Count}");
        return plan;
    }

    private async Task CheckPartsAsync(BackupManifest manifest, List<(CollectionManifest Collection, CollectionMapping Mapping)> plan,
        CancellationToken cancellationToken)
    {
        foreach (var part in plan.SelectMany(p => p.Collection.Parts))
        {
            var key = BackupRepository.PartKey(manifest.BackupId, part);
            var info = await store.GetInfoAsync(key, cancellationToken).ConfigureAwait(false)
                       ?? throw new OperationFailedException($"part {key} of backup '{manifest.BackupId}' is missing from {store.DisplayLocation}");
            if (info.Size != part.SizeBytes)
                throw new OperationFailedException(
                    $"part {key} of backup '{manifest.BackupId}' is {info.Size} bytes, the manifest records {part.SizeBytes}: refusing to restore it");
        }
    }

    /// <returns>The target collections that exist already (only with replace: with fail they refuse the restore).</returns>
    private async Task<HashSet<string>> CheckTargetsAsync(List<(CollectionManifest Collection, CollectionMapping Mapping)> plan, OnExisting onExisting,
        CancellationToken cancellationToken)
    {
        var existing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (collection, mapping) in plan)
        {
            var exists = await QdrantErrors.Guard(qdrant, "read collections",
                () => qdrant.CollectionExistsAsync(mapping.To, cancellationToken)).ConfigureAwait(false);
            if (!exists) continue;
            existing.Add(mapping.To);
            if (onExisting == OnExisting.Fail)
                throw new InvalidInputException(
                    $"collection '{mapping.To}' already exists on Qdrant at {qdrant.BaseAddress} and was left untouched; " +
                    "restore under another name (--collection FROM:TO) or pass --on-existing replace");

            // Qdrant refuses an incompatible snapshot too, but only after receiving all of it: checking first saves
            // streaming gigabytes to hear no.
            var current = await qdrant.GetCollectionAsync(mapping.To, cancellationToken).ConfigureAwait(false);
            var differences = ConfigComparison.Differences(collection.Config, current.Config);
            if (differences.Count > 0)
                throw new InvalidInputException(
                    $"collection '{mapping.To}' exists with a configuration incompatible with the backup's '{collection.Name}' " +
                    $"({string.Join("; ", differences)}); it was left untouched");
        }
        return existing;
    }

    /// <summary>Removes collections a cancelled run created; bounded, so a pod's grace period is not outlived.</summary>
    private async Task RemoveCreatedAsync(IReadOnlyList<string> targets)
    {
        using var bound = new CancellationTokenSource(CleanupTimeout);
        foreach (var target in targets)
        {
            try
            {
                if (!await qdrant.CollectionExistsAsync(target, bound.Token).ConfigureAwait(false)) continue;
                _observer.Step($"'{target}': removing the collection this cancelled restore created");
                await qdrant.DeleteCollectionAsync(target, bound.Token).ConfigureAwait(false);
                logger.LogWarning("Removed collection {Collection}: its restore was cancelled before it completed", target);
            }
            catch (Exception e) when (e is VectorDRException or OperationCanceledException or HttpRequestException)
            {
                logger.LogError("Could not remove collection {Collection} that the cancelled restore created: {Error}; delete it by hand", target, e.Message);
            }
        }
    }

    /// <summary>
    /// Per-shard backup: the collection is created from the manifest (Qdrant's shard recovery neither creates it nor
    /// checks vectors), then every shard is recovered from its part. If anything fails, a collection this restore
    /// created is removed again, so no half-restored collection is left to be mistaken for a good one.
    /// </summary>
    private async Task RestoreShardsAsync(string backupId, CollectionManifest collection, string target, TransferMode mode,
        CancellationToken cancellationToken)
    {
        var created = false;
        if (!await qdrant.CollectionExistsAsync(target, cancellationToken).ConfigureAwait(false))
        {
            _observer.Step($"'{target}': creating the collection as recorded (shard_number, vectors, payload indexes)");
            await QdrantErrors.Guard(qdrant, $"create collection '{target}' (needs manage access)",
                () => qdrant.CreateCollectionAsync(target, CollectionRecreation.CreateBody(collection), cancellationToken)).ConfigureAwait(false);
            created = true;
        }

        try
        {
            foreach (var (field, schema) in CollectionRecreation.PayloadIndexes(collection))
                await qdrant.CreatePayloadIndexAsync(target, field, schema, cancellationToken).ConfigureAwait(false);
            foreach (var part in collection.Parts.OrderBy(p => p.ShardId))
                await RecoverPartAsync(backupId, target, part, mode, cancellationToken).ConfigureAwait(false);
        }
        catch when (created)
        {
            logger.LogWarning("Removing collection {Collection}: its restore did not complete", target);
            await qdrant.DeleteCollectionAsync(target, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Auto streams when the store's certificate comes from a private CA: Qdrant fetches a URL with its own trust store,
    /// which does not know that CA, and the restore would fail on a TLS error. An explicit Url is taken at its word.
    /// </summary>
    private TransferMode EffectiveTransfer(TransferMode requested)
    {
        if (requested != TransferMode.Auto || !store.ReadUrlsNeedPrivateTrust) return requested;
        _observer.Step($"{store.DisplayLocation} has a certificate from a private CA (AWS_CA_BUNDLE), which Qdrant does not trust: streaming the parts (--via url if it does)");
        return TransferMode.Stream;
    }

    private async Task RecoverPartAsync(string backupId, string target, PartManifest part, TransferMode mode, CancellationToken cancellationToken)
    {
        var key = BackupRepository.PartKey(backupId, part);
        var shard = part.Contents == PartContents.Shard ? part.ShardId ?? throw new OperationFailedException(
            $"part {key} of backup '{backupId}' holds a shard but names none: the manifest is corrupt") : (int?)null;
        if (mode != TransferMode.Stream)
        {
            var url = await store.TryGetReadUrlAsync(key, ReadUrlValidity, cancellationToken).ConfigureAwait(false);
            if (url is not null)
            {
                _observer.Step($"'{target}': Qdrant recovers {part.Key} from a pre-signed URL");
                await RecoverAsync(target, part, () => shard is { } id
                    ? qdrant.RecoverShardSnapshotAsync(target, id, ShardSnapshotRecoverRequest.FromUrl(url, SnapshotPriority.Snapshot, part.Sha256),
                        cancellationToken)
                    : qdrant.RecoverSnapshotAsync(target, new SnapshotRecoverRequest(url, SnapshotPriority.Snapshot, part.Sha256),
                        cancellationToken)).ConfigureAwait(false);
                return;
            }
            if (mode == TransferMode.Url)
                throw new InvalidInputException($"{store.DisplayLocation} cannot hand out URLs for Qdrant to download from; use --via stream");
        }

        var fileName = $"vectordr-{backupId}-{part.Key.Replace('/', '-')}";
        _observer.Step($"'{target}': uploading {part.Key} to Qdrant");
        using var transfer = _observer.BeginTransfer($"{part.Key} → {target}", part.SizeBytes);
        var source = await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        var checkedSource = new HashingReadStream(new ReadAheadStream(source),
            new HashingReadStream.Expectation($"part {key}", part.SizeBytes, part.Sha256), transfer);
        await using (checkedSource.ConfigureAwait(false))
        {
            await RecoverAsync(target, part, () => shard is { } id
                ? qdrant.UploadShardSnapshotAsync(target, id, checkedSource, fileName, SnapshotPriority.Snapshot, part.Sha256, cancellationToken)
                : qdrant.UploadSnapshotAsync(target, checkedSource, fileName, SnapshotPriority.Snapshot, part.Sha256, cancellationToken))
                .ConfigureAwait(false);
        }
        await RemoveUploadedFileAsync(target, shard, fileName).ConfigureAwait(false);
    }

    private async Task RecoverAsync(string target, PartManifest part, Func<Task> recover)
    {
        try
        {
            await QdrantErrors.Guard(qdrant, $"recover collection '{target}' from a snapshot (needs manage access)", recover).ConfigureAwait(false);
        }
        catch (Exception e) when (QdrantErrors.Find<OperationFailedException>(e) is { } corrupt && !ReferenceEquals(corrupt, e))
        {
            // Our own integrity check fired inside the upload and aborted it: report it, not the transport error.
            throw corrupt;
        }
        catch (QdrantApiException e) when (e.StatusCode == HttpStatusCode.BadRequest)
        {
            throw new InvalidInputException($"Qdrant refused part {part.Key} for collection '{target}': {e.QdrantMessage}", e);
        }
    }

    /// <summary>Qdrant keeps an uploaded snapshot file in its snapshots directory; remove ours so restores cost no disk.</summary>
    private async Task RemoveUploadedFileAsync(string collection, int? shard, string fileName)
    {
        try
        {
            var snapshots = shard is { } id
                ? await qdrant.ListShardSnapshotsAsync(collection, id, CancellationToken.None).ConfigureAwait(false)
                : await qdrant.ListSnapshotsAsync(collection, CancellationToken.None).ConfigureAwait(false);
            if (!snapshots.Any(s => s.Name == fileName)) return;
            if (shard is { } sid) await qdrant.DeleteShardSnapshotAsync(collection, sid, fileName, CancellationToken.None).ConfigureAwait(false);
            else await qdrant.DeleteSnapshotAsync(collection, fileName, CancellationToken.None).ConfigureAwait(false);
        }
        catch (VectorDRException e)
        {
            logger.LogWarning("Could not remove the uploaded snapshot {File} from Qdrant's disk: {Error}", fileName, e.Message);
        }
    }

    private async Task<CollectionRestoreResult> VerifyAsync(CollectionManifest expected, CollectionMapping mapping, double minRecall,
        CancellationToken cancellationToken)
    {
        _observer.Step($"'{mapping.To}': verifying point count, vector configuration and {expected.Probes?.Probes.Count ?? 0} probe queries");
        var info = await qdrant.GetCollectionAsync(mapping.To, cancellationToken).ConfigureAwait(false);
        var points = await qdrant.CountAsync(mapping.To, exact: true, cancellationToken).ConfigureAwait(false);
        var problems = new List<string>();

        var low = Math.Min(expected.PointCount, expected.PointCountBeforeSnapshot ?? expected.PointCount);
        var high = Math.Max(expected.PointCount, expected.PointCountBeforeSnapshot ?? expected.PointCount);
        if (points < low || points > high)
            problems.Add(low == high ? $"{points} points, the backup holds {expected.PointCount}" : $"{points} points, the backup holds {low}–{high}");

        var differences = ConfigComparison.Differences(expected.Config, info.Config);
        problems.AddRange(differences);

        double? recall = null;
        if (expected.Probes is { } probes)
        {
            recall = await Probes.MeasureRecallAsync(qdrant, mapping.To, probes, cancellationToken).ConfigureAwait(false);
            if (recall < minRecall) problems.Add($"probe recall@{probes.TopK} is {recall:0.###}, at least {minRecall:0.###} is required");
        }

        return new CollectionRestoreResult(mapping.From, mapping.To, points, expected.PointCount, recall, differences.Count == 0,
            problems.Count == 0, problems.Count == 0 ? null : string.Join("; ", problems));
    }
}

/// <summary>Compares what must be equal for a restored collection to answer like the original.</summary>
public static class ConfigComparison
{
    public static IReadOnlyList<string> Differences(JsonElement expectedConfig, JsonElement actualConfig)
    {
        var differences = new List<string>();
        var expected = Params(expectedConfig);
        var actual = Params(actualConfig);
        foreach (var field in new[] { "vectors", "sparse_vectors" })
        {
            var e = Field(expected, field);
            var a = Field(actual, field);
            if (!JsonElement.DeepEquals(e, a)) differences.Add($"params.{field} is {Show(a)}, the backup has {Show(e)}");
        }
        var es = ShardNumber(expected);
        var @as = ShardNumber(actual);
        if (es != @as) differences.Add($"params.shard_number is {@as}, the backup has {es}");
        return differences;
    }

    private static JsonElement Params(JsonElement config) =>
        config.ValueKind == JsonValueKind.Object && config.TryGetProperty("params", out var p) ? p : default;

    private static JsonElement Field(JsonElement @params, string name) =>
        @params.ValueKind == JsonValueKind.Object && @params.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
            ? v
            : JsonDocument.Parse("null").RootElement;

    private static int ShardNumber(JsonElement @params) =>
        @params.ValueKind == JsonValueKind.Object && @params.TryGetProperty("shard_number", out var s) && s.ValueKind == JsonValueKind.Number
            ? s.GetInt32()
            : 1;

    private static string Show(JsonElement e) => e.ValueKind == JsonValueKind.Null ? "absent" : e.GetRawText();
}
