using System.CommandLine;
using System.CommandLine.Parsing;
using VectorDR.Cli.Commands;

namespace VectorDR.Cli;

/// <summary>
/// The <c>vectordr</c> command line. Exit codes: 0 success, 1 the operation failed (a failed verification
/// included), 2 bad usage or bad input. With <c>--json</c> exactly one JSON object is printed on stdout, success or
/// not: a Kubernetes Job reports it as its result.
/// </summary>
public static class CliApp
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var context = new CliContext(stdout, stderr);
        var root = new RootCommand("VectorDR: back up, verify and restore Qdrant collections to object storage.")
        {
            BackupCommand.Create(context),
            ListCommand.Create(context),
            DescribeCommand.Create(context),
            VerifyCommand.Create(context),
            RestoreCommand.Create(context),
            CopyCommand.Create(context),
            PruneCommand.Create(context),
            GcCommand.Create(context),
        };

        // A cron expression such as "@daily" must not be read as a response file.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) await stderr.WriteLineAsync($"error: {error.Message}");
            await stderr.WriteLineAsync("Run 'vectordr --help' for usage.");
            return ExitCodes.InvalidInput;
        }

        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var exit = await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, cancellation.Token);
            return exit;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}

public static class ExitCodes
{
    public const int Success = 0;
    public const int Failed = 1;
    public const int InvalidInput = 2;
}
