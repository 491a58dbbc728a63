using Cronos;

namespace VectorDR.Operator.Scheduling;

/// <summary>The occurrence a policy owes now, if any: the newest one due, and how many older ones were missed with it.</summary>
public sealed record DueOccurrence(DateTimeOffset ScheduledTime, int MissedBefore, TimeSpan Lateness);

/// <summary>
/// CronJob's scheduling rule with a fake-able clock: only the newest occurrence in (since, now] can run (after
/// downtime at most one catch-up run, never a burst), and only within startingDeadlineSeconds of its time.
/// </summary>
public sealed class CronSchedule(CronExpression cron, TimeZoneInfo zone)
{
    // Enumerating a minutely schedule over a long outage is cheap, but not unbounded.
    private const int MaxCounted = 100_000;

    public DateTimeOffset? NextAfter(DateTimeOffset time) => cron.GetNextOccurrence(time, zone);

    public DueOccurrence? Due(DateTimeOffset since, DateTimeOffset now)
    {
        DateTimeOffset? newest = null;
        var count = 0;
        for (var t = cron.GetNextOccurrence(since, zone); t is { } occurrence && occurrence <= now && count < MaxCounted; t = cron.GetNextOccurrence(occurrence, zone))
        {
            newest = occurrence;
            count++;
        }
        if (count == MaxCounted)
        {
            // Jump to the newest occurrence directly: the count is then a lower bound, which is all a message needs.
            newest = Previous(now) ?? newest;
        }
        return newest is { } due ? new DueOccurrence(due, count - 1, now - due) : null;
    }

    private DateTimeOffset? Previous(DateTimeOffset now)
    {
        // Cronos has no "previous occurrence": step back a day at a time until one lands before now.
        for (var back = TimeSpan.FromDays(1); back <= TimeSpan.FromDays(400); back += TimeSpan.FromDays(1))
        {
            DateTimeOffset? last = null;
            for (var t = cron.GetNextOccurrence(now - back, zone); t is { } o && o <= now; t = cron.GetNextOccurrence(o, zone)) last = o;
            if (last is not null) return last;
        }
        return null;
    }
}
