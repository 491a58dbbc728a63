using VectorDR.Core.Errors;
using VectorDR.Engine.Retention;

namespace VectorDR.Engine.Tests;

public sealed class RetentionPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    /// <summary>One backup every 6 hours for 70 days, newest at <see cref="Now"/>.</summary>
    private static List<(string, DateTimeOffset)> EverySixHours() =>
        Enumerable.Range(0, 70 * 4).Select(i => Now.AddHours(-6 * i)).Select(t => ($"{t:yyyyMMdd'T'HHmmss'Z'}-000000", t)).ToList();

    private static HashSet<string> Kept(RetentionPolicy policy, IEnumerable<(string, DateTimeOffset)> backups) =>
        policy.Plan(backups).Where(d => d.Keep).Select(d => d.BackupId).ToHashSet();

    [Fact]
    public void Keep_last_keeps_exactly_the_newest_n()
    {
        var backups = EverySixHours();
        var kept = Kept(new RetentionPolicy(KeepLast: 3), backups);
        Assert.Equal(backups.Take(3).Select(b => b.Item1).ToHashSet(), kept);
    }

    [Fact]
    public void Keep_daily_keeps_the_newest_backup_of_each_of_the_last_n_days()
    {
        var kept = Kept(new RetentionPolicy(KeepDaily: 7), EverySixHours());
        // Newest of each UTC day: 12:00 today, then 18:00 on each of the six days before.
        var expected = new[] { Now }.Concat(Enumerable.Range(1, 6).Select(d => Now.AddHours(-12 - 24 * d + 18)))
            .Select(t => $"{t:yyyyMMdd'T'HHmmss'Z'}-000000").ToHashSet();
        Assert.Equal(expected, kept);
    }

    [Fact]
    public void Gfs_rules_combine_and_each_kept_backup_names_its_rules()
    {
        var plan = new RetentionPolicy(KeepLast: 2, KeepDaily: 3, KeepWeekly: 2, KeepMonthly: 3).Plan(EverySixHours());
        var newest = plan[0];
        Assert.True(newest.Keep);
        Assert.Contains("newest", newest.KeptBy);
        Assert.Contains("last", newest.KeptBy);
        Assert.Contains("daily 2026-11-23", newest.KeptBy);
        Assert.Contains("weekly 2026-W48", newest.KeptBy);
        Assert.Contains("monthly 2026-11", newest.KeptBy);

        // Months: November (newest), October 31 18:00, September 30 18:00.
        var monthly = plan.Where(d => d.KeptBy.Any(r => r.StartsWith("monthly"))).Select(d => d.CompletedAt).ToList();
        Assert.Equal([Now, new DateTimeOffset(2026, 10, 31, 18, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 9, 30, 18, 0, 0, TimeSpan.Zero)], monthly);
        Assert.All(plan.Where(d => !d.Keep), d => Assert.Empty(d.KeptBy));
        // last: 23rd 12:00 and 06:00; daily adds 22nd and 21st 18:00; weekly's W47 pick is the 22nd 18:00 (already kept);
        // monthly adds Oct 31 and Sep 30.
        Assert.Equal(6, plan.Count(d => d.Keep));
    }

    [Fact]
    public void Periods_without_backups_do_not_use_up_a_rule()
    {
        // Three backups weeks apart: keep-daily 3 keeps all three, since only days that have a backup count.
        var sparse = new[] { Now, Now.AddDays(-20), Now.AddDays(-40) }.Select(t => ($"{t:yyyyMMdd}", t)).ToList();
        Assert.Equal(3, Kept(new RetentionPolicy(KeepDaily: 3), sparse).Count);
    }

    [Fact]
    public void The_newest_backup_is_always_kept()
    {
        var backups = EverySixHours();
        var plan = new RetentionPolicy(KeepMonthly: 1).Plan(backups);
        Assert.True(plan.Single(d => d.BackupId == backups[0].Item1).Keep);
    }

    [Fact]
    public void All_rules_zero_is_refused()
    {
        var e = Assert.Throws<InvalidInputException>(() => new RetentionPolicy().Plan(EverySixHours()));
        Assert.Contains("every keep rule is 0", e.Message);
    }

    [Fact]
    public void A_negative_rule_is_refused_by_name()
    {
        var e = Assert.Throws<InvalidInputException>(() => new RetentionPolicy(KeepLast: 1, KeepWeekly: -2).Validate());
        Assert.Contains("--keep-weekly", e.Message);
    }
}
