using System.CommandLine;
using Microsoft.Extensions.Logging;
using VectorDR.Cli.Output;
using VectorDR.Engine.Retention;

namespace VectorDR.Cli.Commands;

internal static class GcCommand
{
    public static Command Create(CliContext context)
    {
        var location = Connections.LocationArgument();
        var grace = new Option<TimeSpan>("--grace")
        {
            Description = "Leave uncommitted data younger than this alone: it may belong to a running backup (default 24h)",
            DefaultValueFactory = _ => TimeSpan.FromHours(24),
            CustomParser = r => Durations.Parse(r.Tokens[0].Value, "--grace", r),
            HelpName = "duration",
        };
        var apply = new Option<bool>("--apply") { Description = "Remove what is listed (default: only list)" };
        var command = new Command("gc", "Find (and with --apply remove) parts without a manifest and stale unfinished uploads") { location, grace, apply };
        command.WithCommonOptions();
        command.SetRunner(context, async (parse, scope, cancellationToken) =>
        {
            var doApply = parse.GetValue(apply);
            await using var store = await Connections.OpenStoreAsync(parse.GetValue(location)!, forWriting: doApply, scope.Loggers, cancellationToken);
            var result = await new GarbageCollector(store, scope.Time, scope.Loggers.CreateLogger<Pruner>())
                .CollectAsync(parse.GetValue(grace), doApply, cancellationToken);
            return new CommandOutcome(result, ExitCodes.Success, w =>
            {
                foreach (var o in result.Orphans)
                    w.WriteLine($"{(result.Applied ? "removed" : "orphan ")} backups/{o.BackupId}/  {o.Objects} objects, {Bytes.Format(o.SizeBytes)}: {o.Reason}");
                foreach (var u in result.StaleUploads)
                    w.WriteLine($"{(result.Applied ? "aborted" : "stale  ")} upload of {u.Key} started {u.Started:u}");
                w.WriteLine($"{result.Orphans.Count} orphaned backup directories, {result.StaleUploads.Count} stale uploads" +
                            $"{(result.Applied ? " removed" : " (run with --apply to remove)")}; {result.InProgress} younger than the grace period left alone");
            });
        });
        return command;
    }
}

internal static class Durations
{
    /// <summary>Go-style durations as Kubernetes users write them: 90s, 15m, 24h, 7d, 1h30m.</summary>
    public static TimeSpan Parse(string text, string option, System.CommandLine.Parsing.ArgumentResult result)
    {
        var match = System.Text.RegularExpressions.Regex.Match(text, @"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$");
        if (text.Length == 0 || !match.Success)
        {
            result.AddError($"{option} '{text}' is not a duration such as 30m, 24h or 7d");
            return default;
        }
        int Part(int i) => match.Groups[i].Success ? int.Parse(match.Groups[i].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        return new TimeSpan(Part(1), Part(2), Part(3), Part(4));
    }
}
