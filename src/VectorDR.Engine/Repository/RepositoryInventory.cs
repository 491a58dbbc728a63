using VectorDR.Core.Repository;
using VectorDR.Engine.Retention;
using VectorDR.Storage;

namespace VectorDR.Engine.Repository;

/// <summary>What one <c>backups/&lt;id&gt;/</c> directory holds, committed or not.</summary>
public sealed record BackupDirectoryInfo(string BackupId, bool Committed, bool BeingDeleted, int Objects, long SizeBytes,
    DateTimeOffset NewestObject);

/// <summary>Every backup directory of a location, including uncommitted ones (for gc and prune, never for restore).</summary>
public static class RepositoryInventory
{
    public static async Task<IReadOnlyList<BackupDirectoryInfo>> ReadAsync(IObjectStore store, CancellationToken cancellationToken)
    {
        var groups = new Dictionary<string, List<ObjectInfo>>(StringComparer.Ordinal);
        await foreach (var o in store.ListAsync(RepositoryFormat.BackupsPrefix, cancellationToken).ConfigureAwait(false))
        {
            var rest = o.Key[RepositoryFormat.BackupsPrefix.Length..];
            var slash = rest.IndexOf('/');
            if (slash <= 0) continue;
            var id = rest[..slash];
            if (!groups.TryGetValue(id, out var list)) groups[id] = list = [];
            list.Add(o);
        }

        return groups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new BackupDirectoryInfo(
            g.Key,
            g.Value.Any(o => o.Key == RepositoryFormat.ManifestKey(g.Key)),
            g.Value.Any(o => o.Key == RepositoryFormat.BackupDirectory(g.Key) + Pruner.DeletionMarkerName),
            g.Value.Count,
            g.Value.Sum(o => o.Size),
            g.Value.Max(o => o.LastModified))).ToList();
    }
}
