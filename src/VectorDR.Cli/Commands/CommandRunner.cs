using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using VectorDR.Cli.Output;
using VectorDR.Core.Errors;
using VectorDR.Engine;

namespace VectorDR.Cli.Commands;

/// <summary>The outcome of a command: the JSON result, its exit code, and how to show it to a person.</summary>
internal sealed record CommandOutcome(object Result, int ExitCode, Action<TextWriter> PrintHuman);

/// <summary>What a command body gets: observer, loggers, and the cancellation of the whole run.</summary>
internal sealed record CommandScope(IOperationObserver Observer, ILoggerFactory Loggers, TimeProvider Time);

/// <summary>
/// Runs a command body with the shared conventions: observer choice, error → exit code mapping, and exactly one
/// JSON object on stdout with <c>--json</c> (also on failure, so a Job always has a result to report).
/// </summary>
internal static class CommandRunner
{
    public static readonly Option<bool> Json = new("--json") { Description = "Print one JSON result object on stdout" };
    public static readonly Option<bool> Verbose = new("--verbose", "-v") { Description = "Log what happens in detail (stderr)" };

    internal static readonly JsonSerializerOptions JsonOutput = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static Command WithCommonOptions(this Command command)
    {
        command.Options.Add(Json);
        command.Options.Add(Verbose);
        return command;
    }

    public static void SetRunner(this Command command, CliContext context, Func<ParseResult, CommandScope, CancellationToken, Task<CommandOutcome>> body) =>
        command.SetAction((parse, cancellationToken) => RunAsync(context, parse, body, cancellationToken));

    private static async Task<int> RunAsync(CliContext context, ParseResult parse,
        Func<ParseResult, CommandScope, CancellationToken, Task<CommandOutcome>> body, CancellationToken cancellationToken)
    {
        var json = parse.GetValue(Json);
        var verbose = parse.GetValue(Verbose);
        using var loggers = LoggerFactory.Create(b => b.AddProvider(
            new TextWriterLoggerProvider(context.Stderr, verbose ? LogLevel.Information : LogLevel.Warning, context.Time)));

        CommandOutcome outcome;
        try
        {
            outcome = !json && context.Interactive
                ? await SpectreObserver.RunAsync(o => body(parse, new CommandScope(o, loggers, context.Time), cancellationToken))
                : await body(parse, new CommandScope(new LogObserver(context.Stderr, context.Time), loggers, context.Time), cancellationToken);
        }
        catch (Exception e) when (Classify(e, cancellationToken) is { } failure)
        {
            await context.Stderr.WriteLineAsync($"error: {failure.Message}");
            var failed = JsonSerializer.Serialize(new { succeeded = false, exitCode = failure.ExitCode, error = failure.Message }, JsonOutput);
            TerminationMessage.Write(failed, context.Stderr);
            if (json) await context.Stdout.WriteLineAsync(failed);
            return failure.ExitCode;
        }

        var result = JsonSerializer.Serialize(outcome.Result, outcome.Result.GetType(), JsonOutput);
        TerminationMessage.Write(result, context.Stderr);
        if (json) await context.Stdout.WriteLineAsync(result);
        else outcome.PrintHuman(context.Stdout);
        return outcome.ExitCode;
    }

    private sealed record Failure(string Message, int ExitCode);

    private static Failure? Classify(Exception e, CancellationToken cancellationToken) => e switch
    {
        VectorDRException v => new Failure(v.Message, v.Kind == ErrorKind.InvalidInput ? ExitCodes.InvalidInput : ExitCodes.Failed),
        OperationCanceledException when cancellationToken.IsCancellationRequested => new Failure("cancelled", ExitCodes.Failed),
        // Anything else is a bug or an environment failure we did not anticipate; say so plainly rather than crash.
        _ => new Failure($"unexpected {e.GetType().Name}: {e.Message}", ExitCodes.Failed),
    };
}
