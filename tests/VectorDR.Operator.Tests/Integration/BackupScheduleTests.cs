using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using VectorDR.ControllerRuntime.Entities;
using VectorDR.KubeEmulator;
using VectorDR.KubeEmulator.Jobs;
using VectorDR.Operator.Entities;
using static VectorDR.Operator.Tests.Integration.OperatorHarness;

namespace VectorDR.Operator.Tests.Integration;

/// <summary>
/// Schedules, deadlines, suspension and RPO against a fake clock: the operator's TimeProvider is a FakeTimeProvider and
/// the Jobs finish at once (InstantJobRunner) with the result a real `vectordr backup` reports.
/// </summary>
[Collection("emulator")]
public sealed class BackupScheduleTests
{
    private static readonly DateTimeOffset Start = new(DateTime.UtcNow.Ticks - DateTime.UtcNow.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    private sealed class Clocked : IAsyncDisposable
    {
        public required OperatorHarness Harness { get; init; }
        public required FakeTimeProvider Clock { get; init; }

        public async Task<BackupPolicy> CreateAsync(string name, Action<BackupPolicySpec> configure)
        {
            var spec = new BackupPolicySpec
            {
                Source = new BackupSource { Qdrant = new QdrantEndpoint { Url = "http://qdrant:6333" }, Collections = ["docs"] },
                Schedule = "*/5 * * * *",
                Storage = new StorageLocation { Location = "file:///backups" },
            };
            configure(spec);
            return await Harness.Client.CreateAsync(new BackupPolicy { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" }, Spec = spec },
                CancellationToken.None);
        }

        public async Task<BackupPolicy> PolicyAsync(string name) => (await Harness.GetPolicyAsync(name))!;

        public async Task<List<V1Job>> BackupJobsAsync() =>
            (await Harness.Client.ListAsync<V1Job>("default", "dr.vectordr.io/step=backup", CancellationToken.None)).Items.OrderBy(j => j.Metadata.Name).ToList();

        public async Task<BackupPolicy> WaitAsync(string name, Func<BackupPolicy, bool> condition, string what)
        {
            BackupPolicy? last = null;
            try
            {
                await EventuallyAsync(async () => condition(last = await PolicyAsync(name)), what);
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException($"{e.Message}\nlast status: {k8s.KubernetesJson.Serialize(last?.Status)}", e);
            }
            return last!;
        }

        public ValueTask DisposeAsync() => Harness.DisposeAsync();
    }

    private static async Task<Clocked> StartAsync()
    {
        var clock = new FakeTimeProvider(Start);
        var runner = new InstantJobRunner(Result, timeProvider: clock);
        var harness = await OperatorHarness.StartAsync(new KubeEmulatorOptions { JobRunner = runner });
        await harness.StartOperatorAsync("op", leaderElection: false, configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        return new Clocked { Harness = harness, Clock = clock };

        // What `vectordr backup --json` and `vectordr prune --json` put in their termination messages.
        string Result(JsonObject job, JsonObject pod)
        {
            var name = job["metadata"]!["name"]!.GetValue<string>();
            var now = clock.GetUtcNow();
            if (job["metadata"]!["labels"]!["dr.vectordr.io/step"]!.GetValue<string>() == "sync")
                return """{"dryRun":false,"location":"file:///backups","kept":1,"deleted":0,"backups":[]}""";
            return JsonSerializer.Serialize(new
            {
                succeeded = true,
                backup = new
                {
                    backupId = $"{now.UtcDateTime:yyyyMMddTHHmmssZ}-{Math.Abs(name.GetHashCode()) % 1_000_000:000000}",
                    location = "file:///backups", startedAt = now, completedAt = now, durationSeconds = 0.5, sizeBytes = 1024, points = 300,
                },
            });
        }
    }

    [Fact]
    public async Task A_schedule_fires_exactly_at_its_times_and_skips_runs_past_their_starting_deadline()
    {
        await using var w = await StartAsync();
        var created = await w.CreateAsync("docs", s => s.StartingDeadlineSeconds = 60);
        var policy = await w.WaitAsync("docs", p => p.Status.NextScheduleTime is not null, "next schedule time");
        var first = new DateTimeOffset(policy.Status.NextScheduleTime!.Value, TimeSpan.Zero);
        Assert.Equal(0, first.Minute % 5);
        Assert.Equal(0, first.Second);

        w.Clock.SetUtcNow(first - TimeSpan.FromSeconds(1));
        await Task.Delay(300);
        Assert.Empty(await w.BackupJobsAsync());

        w.Clock.SetUtcNow(first);
        policy = await w.WaitAsync("docs", p => p.Status.LastSuccessfulBackup is not null, "the first scheduled run recorded");
        var job = Assert.Single(await w.BackupJobsAsync());
        Assert.Equal($"docs-{first.UtcDateTime:yyyyMMddHHmm}", job.Metadata.Name);
        Assert.Equal(first.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"), job.Metadata.Annotations["dr.vectordr.io/scheduled-time"]);
        Assert.Equal(first.UtcDateTime, policy.Status.LastScheduleTime);
        Assert.Equal(BackupTrigger.Schedule, policy.Status.RecentBackups![0].Trigger);

        // Down for 11.5 minutes: two occurrences passed; the newest is 90 s late, beyond the 60 s deadline: skipped, reported, not run.
        w.Clock.SetUtcNow(first + TimeSpan.FromMinutes(11.5));
        policy = await w.WaitAsync("docs", p => p.Status.RecentBackups?.FirstOrDefault()?.Result == BackupRunResult.Skipped, "the late run skipped");
        var skipped = policy.Status.RecentBackups![0];
        Assert.Equal((first + TimeSpan.FromMinutes(10)).UtcDateTime, skipped.ScheduledTime);
        Assert.Contains("more than startingDeadlineSeconds (60)", skipped.Message);
        Assert.Contains("1 earlier occurrence(s)", skipped.Message);
        Assert.Single(await w.BackupJobsAsync());
        await w.Harness.EventsOnceAsync(events => events.Any(e => e.Reason == "BackupMissed" && e.Type == "Warning"), "a BackupMissed warning");

        // The next occurrence runs on time.
        w.Clock.SetUtcNow(first + TimeSpan.FromMinutes(15));
        await w.WaitAsync("docs", p => p.Status.RecentBackups?.FirstOrDefault() is { Result: BackupRunResult.Succeeded } r && r.ScheduledTime == (first + TimeSpan.FromMinutes(15)).UtcDateTime,
            "the next run");
        Assert.Equal([$"docs-{first.UtcDateTime:yyyyMMddHHmm}", $"docs-{first.AddMinutes(15).UtcDateTime:yyyyMMddHHmm}"],
            (await w.BackupJobsAsync()).Select(j => j.Metadata.Name));
        Assert.Equal(created.Metadata.Uid, (await w.BackupJobsAsync())[1].Metadata.OwnerReferences.Single().Uid);
    }

    [Fact]
    public async Task After_downtime_without_a_deadline_exactly_one_catch_up_run_starts()
    {
        await using var w = await StartAsync();
        await w.CreateAsync("docs", _ => { });
        var policy = await w.WaitAsync("docs", p => p.Status.NextScheduleTime is not null, "next schedule time");
        var first = new DateTimeOffset(policy.Status.NextScheduleTime!.Value, TimeSpan.Zero);

        w.Clock.SetUtcNow(first + TimeSpan.FromMinutes(32));
        await w.WaitAsync("docs", p => p.Status.LastSuccessfulBackup is not null, "one catch-up run");
        await Task.Delay(300);
        var job = Assert.Single(await w.BackupJobsAsync());
        Assert.Equal($"docs-{first.AddMinutes(30).UtcDateTime:yyyyMMddHHmm}", job.Metadata.Name);
    }

    [Fact]
    public async Task A_suspended_policy_runs_nothing()
    {
        await using var w = await StartAsync();
        await w.CreateAsync("docs", s => { s.Schedule = "* * * * *"; s.Suspend = true; });
        var policy = await w.WaitAsync("docs", p => Conditions.Find(p.Status.Conditions, "Ready")?.Status == ConditionStatus.True, "Ready");
        Assert.Null(policy.Status.NextScheduleTime);
        for (var i = 1; i <= 5; i++)
        {
            w.Clock.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(50);
        }
        await Task.Delay(300);
        Assert.Empty(await w.BackupJobsAsync());
        Assert.Null((await w.PolicyAsync("docs")).Status.LastScheduleTime);
    }

    [Fact]
    public async Task RPOMet_flips_to_False_when_the_last_success_ages_past_the_RPO_and_back_after_a_run()
    {
        await using var w = await StartAsync();
        await w.CreateAsync("docs", s => { s.Schedule = "0 0 1 1 *"; s.Rpo = "10m"; });
        var policy = await w.WaitAsync("docs", p => Conditions.Find(p.Status.Conditions, "RPOMet") is not null, "RPOMet reported");
        Assert.Equal(ConditionStatus.Unknown, Conditions.Find(policy.Status.Conditions, "RPOMet")!.Status);

        await w.Harness.Client.MergePatchAsync<BackupPolicy>("default", "docs",
            new { metadata = new { annotations = new Dictionary<string, string> { ["dr.vectordr.io/backup-now"] = "1" } } }, CancellationToken.None);
        policy = await w.WaitAsync("docs", p => Conditions.Find(p.Status.Conditions, "RPOMet")?.Status == ConditionStatus.True, "RPO met after a backup");
        var completed = policy.Status.LastSuccessfulBackup!.CompletedAt!.Value;

        // Nothing polls: the controller asked to be woken exactly when the backup turns 10 minutes old.
        w.Clock.SetUtcNow(new DateTimeOffset(completed, TimeSpan.Zero) + TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        await Task.Delay(300);
        Assert.Equal(ConditionStatus.True, Conditions.Find((await w.PolicyAsync("docs")).Status.Conditions, "RPOMet")!.Status);
        w.Clock.SetUtcNow(new DateTimeOffset(completed, TimeSpan.Zero) + TimeSpan.FromMinutes(10));
        policy = await w.WaitAsync("docs", p => Conditions.Find(p.Status.Conditions, "RPOMet")?.Status == ConditionStatus.False, "RPO missed");
        Assert.Contains("older than the RPO of 10m", Conditions.Find(policy.Status.Conditions, "RPOMet")!.Message);
        await w.Harness.EventsOnceAsync(events => events.Any(e => e.Reason == "RPOMissed" && e.Type == "Warning"), "an RPOMissed warning");

        await w.Harness.Client.MergePatchAsync<BackupPolicy>("default", "docs",
            new { metadata = new { annotations = new Dictionary<string, string> { ["dr.vectordr.io/backup-now"] = "2" } } }, CancellationToken.None);
        await w.WaitAsync("docs", p => Conditions.Find(p.Status.Conditions, "RPOMet")?.Status == ConditionStatus.True, "RPO met again");
    }
}
