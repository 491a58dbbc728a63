using System.CommandLine;
using VectorDR.Cli.Output;
using VectorDR.Engine.Verification;

namespace VectorDR.Cli.Commands;

internal static class VerifyCommand
{
    public static Command Create(CliContext context)
    {
        var location = Connections.LocationArgument();
        var selector = new Connections.SelectorOptions();
        var command = new Command("verify", "Re-read every part of a backup and check sizes and SHA-256 against its manifest") { location };
        selector.AddTo(command, allowAt: false);
        command.WithCommonOptions();
        command.SetRunner(context, async (parse, scope, cancellationToken) =>
        {
            await using var store = await Connections.OpenStoreAsync(parse.GetValue(location)!, forWriting: false, scope.Loggers, cancellationToken);
            var result = await new RepositoryVerifier(store, scope.Time, scope.Observer).VerifyAsync(selector.Read(parse), cancellationToken);
            return new CommandOutcome(result, result.Succeeded ? ExitCodes.Success : ExitCodes.Failed, w =>
            {
                foreach (var p in result.Parts)
                    w.WriteLine(p.Ok ? $"ok      {p.Key} ({Bytes.Format(p.SizeBytes)})" : $"FAILED  {p.Key}: {p.Error}");
                w.WriteLine(result.Succeeded
                    ? $"Backup {result.BackupId} verified: {result.Parts.Count} parts, {Bytes.Format(result.BytesRead)} in {result.DurationSeconds:0.0} s"
                    : $"Backup {result.BackupId} is damaged: {result.Parts.Count(p => !p.Ok)} of {result.Parts.Count} parts failed");
            });
        });
        return command;
    }
}
