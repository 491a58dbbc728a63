using System.CommandLine;
using Microsoft.Extensions.Logging;
using VectorDR.Cli.Output;
using VectorDR.Core.Errors;
using VectorDR.Engine.Backup;

namespace VectorDR.Cli.Commands;

internal static class BackupCommand
{
    public static Command Create(CliContext context)
    {
        var collections = new Option<string[]>("--collection", "-c")
        {
            Description = "Collection to back up (repeatable)",
            AllowMultipleArgumentsPerToken = false,
        };
        var all = new Option<bool>("--all") { Description = "Back up every collection" };
        var to = new Option<string>("--to") { Description = "Backup location (directory, file:// or s3://)", Required = true };
        var probes = new Option<int>("--probes")
        {
            Description = "Points sampled per collection as verification probes",
            DefaultValueFactory = _ => 10,
        };
        probes.Validators.Add(r => { if (r.GetValue(probes) is < 0 or > 1000) r.AddError("--probes must be between 0 and 1000"); });
        var topK = new Option<int>("--top-k") { Description = "Neighbours recorded per probe", DefaultValueFactory = _ => 10 };
        topK.Validators.Add(r => { if (r.GetValue(topK) is < 1 or > 1000) r.AddError("--top-k must be between 1 and 1000"); });
        var policy = new Option<string?>("--policy") { Description = "Name of the policy this backup belongs to (recorded in the manifest)" };

        var mode = new Option<BackupMode>("--mode")
        {
            Description = "stream: each shard streams from Qdrant straight to the location, no snapshot file on Qdrant's disk (Qdrant 1.12+); " +
                          "snapshot: a collection snapshot is created on Qdrant's disk, copied, then deleted; auto (default): stream when supported",
            DefaultValueFactory = _ => BackupMode.Auto,
            HelpName = "auto|stream|snapshot",
        };
        var locks = new LockOptions();
        var command = new Command("backup", "Back up collections from Qdrant into a backup location") { collections, all, to, mode, probes, topK, policy };
        locks.AddTo(command);
        Connections.AddQdrantOptions(command);
        command.WithCommonOptions();
        command.Validators.Add(r =>
        {
            var some = r.GetValue(collections) is { Length: > 0 };
            if (some == r.GetValue(all)) r.AddError("give --collection NAME (repeatable) or --all");
        });

        command.SetRunner(context, async (parse, scope, cancellationToken) =>
        {
            var qdrant = Connections.OpenQdrant(parse, scope.Loggers, scope.Time);
            await using var store = await Connections.OpenStoreAsync(parse.GetValue(to)!, forWriting: true, scope.Loggers, cancellationToken);
            var engine = new BackupEngine(qdrant, store, scope.Time, scope.Loggers.CreateLogger<BackupEngine>(), scope.Observer);
            var result = await engine.RunAsync(new BackupOptions
            {
                Collections = parse.GetValue(collections) ?? [],
                Probes = parse.GetValue(probes),
                TopK = parse.GetValue(topK),
                Policy = parse.GetValue(policy),
                PutOptions = locks.Read(parse, scope.Time),
                Mode = parse.GetValue(mode),
            }, cancellationToken);
            return new CommandOutcome(new { succeeded = true, backup = result }, ExitCodes.Success, w =>
            {
                w.WriteLine($"Backup {result.BackupId} committed to {result.Location} ({result.Mode.ToString().ToLowerInvariant()} mode)");
                foreach (var c in result.Collections)
                    w.WriteLine($"  {c.Name}: {c.Points} points, {c.Parts} part(s), {Bytes.Format(c.SizeBytes)}, {c.Probes} probes");
                w.WriteLine($"  {Bytes.Format(result.SizeBytes)} in {result.DurationSeconds:0.0} s ({Bytes.Rate(result.SizeBytes, result.DurationSeconds)})");
            });
        });
        return command;
    }
}
