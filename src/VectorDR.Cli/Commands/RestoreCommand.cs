using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using VectorDR.Engine.Restore;

namespace VectorDR.Cli.Commands;

internal static class RestoreCommand
{
    public static Command Create(CliContext context)
    {
        var location = Connections.LocationArgument();
        var selector = new Connections.SelectorOptions();
        var collections = new Option<string[]>("--collection", "-c")
        {
            Description = "FROM[:TO]: restore collection FROM (as TO); repeatable; default every collection under its own name",
        };
        var onExisting = new Option<OnExisting>("--on-existing")
        {
            Description = "When a target collection exists: fail (default, it stays untouched) or replace",
            DefaultValueFactory = _ => OnExisting.Fail,
            HelpName = "fail|replace",
        };
        var switchAlias = new Option<string?>("--switch-alias") { Description = "Point this alias at the restored collection once it verified" };
        var minRecall = new Option<double>("--min-recall")
        {
            Description = "Lowest acceptable probe recall@k (default 1.0: the same neighbours)",
            DefaultValueFactory = _ => 1.0,
        };
        minRecall.Validators.Add(r => { if (r.GetValue(minRecall) is < 0 or > 1) r.AddError("--min-recall must be between 0 and 1"); });
        var via = new Option<TransferMode>("--via")
        {
            Description = "auto (default): Qdrant pulls from a pre-signed URL when the store offers one it can fetch (not with a private CA in AWS_CA_BUNDLE); url; stream",
            DefaultValueFactory = _ => TransferMode.Auto,
            HelpName = "auto|url|stream",
        };

        var command = new Command("restore", "Restore a backup into Qdrant and verify it before switching anything")
        {
            location, collections, onExisting, switchAlias, minRecall, via,
        };
        selector.AddTo(command, allowAt: true);
        Connections.AddQdrantOptions(command);
        command.WithCommonOptions();

        command.SetRunner(context, async (parse, scope, cancellationToken) =>
        {
            var mappings = (parse.GetValue(collections) ?? []).Select(CollectionMapping.Parse).ToList();
            var qdrant = Connections.OpenQdrant(parse, scope.Loggers, scope.Time);
            await using var store = await Connections.OpenStoreAsync(parse.GetValue(location)!, forWriting: false, scope.Loggers, cancellationToken);
            var engine = new RestoreEngine(qdrant, store, scope.Time, scope.Loggers.CreateLogger<RestoreEngine>(), scope.Observer);
            // A Kubernetes Job's pod is stopped with SIGTERM (its RestoreRequest was deleted): cancel, so the engine removes
            // the collections this run created instead of the process dying with a half-restored collection left behind.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
            {
                signal.Cancel = true;
                stop.Cancel();
            });
            RestoreResult result;
            try
            {
                result = await engine.RunAsync(new RestoreOptions
                {
                    Selector = selector.Read(parse),
                    Collections = mappings,
                    OnExisting = parse.GetValue(onExisting),
                    SwitchAlias = parse.GetValue(switchAlias),
                    MinRecall = parse.GetValue(minRecall),
                    Transfer = parse.GetValue(via),
                }, stop.Token);
            }
            catch (Exception e) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new VectorDR.Core.Errors.OperationFailedException(
                    "stopped by SIGTERM before the restore completed; collections it had created were removed, an alias was not switched", e);
            }
            return new CommandOutcome(result, result.Succeeded ? ExitCodes.Success : ExitCodes.Failed, w =>
            {
                foreach (var c in result.Collections)
                    w.WriteLine($"{(c.Verified ? "verified" : "FAILED  ")}  {c.From} → {c.To}: {c.Points}/{c.ExpectedPoints} points, " +
                                $"recall {(c.Recall is { } r ? r.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) : "n/a")}" +
                                (c.Message is null ? "" : $" — {c.Message}"));
                if (result.AliasSwitched is { } a) w.WriteLine($"alias '{a}' → '{result.Collections[0].To}'");
                w.WriteLine(result.Succeeded
                    ? $"Restored backup {result.BackupId} in {result.DurationSeconds:0.0} s"
                    : $"Restore of backup {result.BackupId} FAILED: {result.Message}");
            });
        });
        return command;
    }
}
