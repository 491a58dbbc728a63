using System.Globalization;
using VectorDR.Core.Errors;

namespace VectorDR.Engine.Retention;

/// <summary>
/// Grandfather-father-son retention (docs/retention.md). Each rule keeps, for the last N periods that hold at least
/// one backup, the newest backup of each period; a backup is kept when any rule keeps it. Periods are UTC hours,
/// days, ISO-8601 weeks and calendar months of the backup's completion time.
/// </summary>
public sealed record RetentionPolicy(int KeepLast = 0, int KeepHourly = 0, int KeepDaily = 0, int KeepWeekly = 0, int KeepMonthly = 0)
{
    public void Validate()
    {
        foreach (var (name, value) in Rules)
            if (value < 0) throw new InvalidInputException($"--{name} must be 0 or more, not {value}");
        if (Rules.All(r => r.Value == 0))
            throw new InvalidInputException(
                "every keep rule is 0: that would delete every backup but the newest; give at least one of --keep-last, " +
                "--keep-hourly, --keep-daily, --keep-weekly, --keep-monthly");
    }

    private IEnumerable<(string Name, int Value)> Rules =>
    [
        ("keep-last", KeepLast), ("keep-hourly", KeepHourly), ("keep-daily", KeepDaily), ("keep-weekly", KeepWeekly),
        ("keep-monthly", KeepMonthly),
    ];

    /// <summary>
    /// Decides for every backup. The newest backup is always kept (rule <c>newest</c>): retention never leaves a
    /// repository without its most recent good backup, whatever the rules say.
    /// </summary>
    public IReadOnlyList<RetentionDecision> Plan(IEnumerable<(string BackupId, DateTimeOffset CompletedAt)> backups)
    {
        Validate();
        var newestFirst = backups.OrderByDescending(b => b.CompletedAt).ThenByDescending(b => b.BackupId, StringComparer.Ordinal).ToList();
        var reasons = newestFirst.ToDictionary(b => b.BackupId, _ => new List<string>(), StringComparer.Ordinal);
        if (newestFirst.Count > 0) reasons[newestFirst[0].BackupId].Add("newest");

        for (var i = 0; i < Math.Min(KeepLast, newestFirst.Count); i++) reasons[newestFirst[i].BackupId].Add("last");
        Bucket(newestFirst, KeepHourly, "hourly", t => t.ToString("yyyy-MM-dd HH", CultureInfo.InvariantCulture), reasons);
        Bucket(newestFirst, KeepDaily, "daily", t => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), reasons);
        Bucket(newestFirst, KeepWeekly, "weekly",
            t => $"{ISOWeek.GetYear(t)}-W{ISOWeek.GetWeekOfYear(t):00}", reasons);
        Bucket(newestFirst, KeepMonthly, "monthly", t => t.ToString("yyyy-MM", CultureInfo.InvariantCulture), reasons);

        return newestFirst.Select(b => new RetentionDecision(b.BackupId, b.CompletedAt, reasons[b.BackupId].Count > 0, reasons[b.BackupId]))
            .ToList();
    }

    private static void Bucket(List<(string BackupId, DateTimeOffset CompletedAt)> newestFirst, int count, string rule,
        Func<DateTime, string> period, Dictionary<string, List<string>> reasons)
    {
        if (count <= 0) return;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var b in newestFirst)
        {
            var p = period(b.CompletedAt.UtcDateTime);
            // The first backup met in a period (newest first) is that period's newest.
            if (!seen.Add(p)) continue;
            reasons[b.BackupId].Add($"{rule} {p}");
            if (seen.Count == count) return;
        }
    }
}

/// <summary>Keep or delete one backup, with the rules that kept it (empty when deleted).</summary>
public sealed record RetentionDecision(string BackupId, DateTimeOffset CompletedAt, bool Keep, IReadOnlyList<string> KeptBy);
