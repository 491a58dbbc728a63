using System.CommandLine;
using Microsoft.Extensions.Logging;
using VectorDR.Engine.Retention;

namespace VectorDR.Cli.Commands;

internal static class PruneCommand
{
    public static Command Create(CliContext context)
    {
        var location = Connections.LocationArgument();
        Option<int> Keep(string name, string what) => new(name) { Description = what, DefaultValueFactory = _ => 0 };
        var last = Keep("--keep-last", "Keep the N newest backups");
        var hourly = Keep("--keep-hourly", "Keep the newest backup of each of the last N hours that have one (UTC)");
        var daily = Keep("--keep-daily", "Keep the newest backup of each of the last N days that have one (UTC)");
        var weekly = Keep("--keep-weekly", "Keep the newest backup of each of the last N ISO weeks that have one");
        var monthly = Keep("--keep-monthly", "Keep the newest backup of each of the last N months that have one");
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan (kept with the rule that kept it, deleted); delete nothing" };
        var command = new Command("prune", "Delete backups that no retention rule keeps (GFS); the newest backup is always kept")
        {
            location, last, hourly, daily, weekly, monthly, dryRun,
        };
        command.WithCommonOptions();

        command.SetRunner(context, async (parse, scope, cancellationToken) =>
        {
            var policy = new RetentionPolicy(parse.GetValue(last), parse.GetValue(hourly), parse.GetValue(daily), parse.GetValue(weekly),
                parse.GetValue(monthly));
            policy.Validate(); // before touching the store: a bad rule is a usage error whatever the location
            var apply = !parse.GetValue(dryRun);
            await using var store = await Connections.OpenStoreAsync(parse.GetValue(location)!, forWriting: apply, scope.Loggers, cancellationToken);
            var result = await new Pruner(store, scope.Time, scope.Loggers.CreateLogger<Pruner>(), scope.Observer).PruneAsync(policy, !apply, cancellationToken);
            return new CommandOutcome(result, ExitCodes.Success, w =>
            {
                foreach (var e in result.Backups)
                    w.WriteLine(e.Action switch
                    {
                        "keep" => $"keep    {e.BackupId}  ({string.Join(", ", e.KeptBy)})",
                        "delete" => $"{(result.DryRun ? "would delete" : "deleted")} {e.BackupId}",
                        "locked" => $"locked  {e.BackupId}  ({e.Message})",
                        _ => $"KEPT    {e.BackupId}  (could not delete: {e.Message})",
                    });
                w.WriteLine($"{result.Kept} kept, {result.Deleted} {(result.DryRun ? "to delete (dry run)" : "deleted")}");
            });
        });
        return command;
    }
}
