using VectorDR.Core.Errors;
using VectorDR.Core.Repository;
using VectorDR.Engine.Repository;

namespace VectorDR.Engine.Restore;

/// <summary>
/// Picks the backup a restore reads and never falls back to another one: when the selector matches nothing, the
/// error says what was searched and what the location holds, so whoever reads it (a person at 3 a.m., an operator's
/// status) can choose again without listing the bucket first.
/// </summary>
public static class BackupSelection
{
    /// <summary>How many ids an error lists before it only names the first and the last.</summary>
    private const int MaxListed = 10;

    public static async Task<BackupManifest> SelectAsync(BackupRepository repository, BackupSelector selector, CancellationToken cancellationToken)
    {
        if (selector.BackupId is not { } id) return await repository.SelectAsync(selector, cancellationToken).ConfigureAwait(false);

        // Listing first makes an unknown id an answer about the location, not a bare "not found".
        var ids = await repository.ListBackupIdsAsync(cancellationToken).ConfigureAwait(false);
        if (!ids.Contains(id, StringComparer.Ordinal))
            throw new InvalidInputException($"backup '{id}' does not exist in {repository.Location}; {Holdings(ids)}");
        return await repository.ReadManifestAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>"it holds no committed backup" or the ids it holds (ids sort chronologically).</summary>
    public static string Holdings(IReadOnlyList<string> ids) => ids.Count switch
    {
        0 => "it holds no committed backup",
        <= MaxListed => $"it holds {ids.Count} committed backup(s): {string.Join(", ", ids)}",
        _ => $"it holds {ids.Count} committed backups, the earliest '{ids[0]}', the newest '{ids[^1]}'; the {MaxListed} newest: " +
             string.Join(", ", ids.Skip(ids.Count - MaxListed)),
    };
}
