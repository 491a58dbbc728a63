using VectorDR.ControllerRuntime.Entities;
using VectorDR.ControllerRuntime.Informers;
using VectorDR.Operator.Entities;

namespace VectorDR.Operator.Controllers;

/// <summary>
/// While a restore writes into a Qdrant endpoint, the policies backing up the same collections there hold their
/// runs: a backup of a half-restored collection must never become the newest backup. A restore holds from the
/// moment it exists until it reached Succeeded or Failed.
/// </summary>
public sealed class RestoreHolds(IResourceCache<RestoreRequest> restores)
{
    /// <summary>Why the policy is held right now, or null.</summary>
    public string? HoldFor(BackupPolicy policy)
    {
        var holding = restores.List()
            .Where(r => IsInProgress(r) && Overlaps(policy.Spec.Source, r.Spec.Target))
            .Select(r => $"{r.Metadata.NamespaceProperty}/{r.Metadata.Name}")
            .Order(StringComparer.Ordinal)
            .ToList();
        return holding.Count == 0 ? null
            : $"runs are held while RestoreRequest {string.Join(", ", holding)} writes into {Normalise(policy.Spec.Source.Qdrant.Url)}; they resume when it ends";
    }

    /// <summary>The policies a restore holds or releases (to reconcile them when it starts and ends).</summary>
    public static IEnumerable<ObjectKey> PoliciesAffectedBy(RestoreRequest restore, IResourceCache<BackupPolicy> policies) =>
        policies.List().Where(p => Overlaps(p.Spec.Source, restore.Spec.Target)).Select(ObjectKey.Of);

    public static bool IsInProgress(RestoreRequest restore) =>
        restore.Status.Phase is not (RestorePhase.Succeeded or RestorePhase.Failed) && restore.Metadata.DeletionTimestamp is null;

    private static bool Overlaps(BackupSource source, RestoreTarget target)
    {
        if (Normalise(source.Qdrant.Url) != Normalise(target.Qdrant.Url)) return false;
        // Empty on either side means "every collection": the sets can only be told apart when both are named.
        if (source.Collections is not { Count: > 0 } backedUp || target.Collections is not { Count: > 0 } restored) return true;
        return restored.Any(c => backedUp.Contains(c.To ?? c.From, StringComparer.Ordinal))
            || target.SwitchAlias is { } alias && backedUp.Contains(alias, StringComparer.Ordinal);
    }

    private static string Normalise(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? $"{uri.Scheme}://{uri.Authority.ToLowerInvariant()}{uri.AbsolutePath.TrimEnd('/')}" : url.TrimEnd('/');
}
