namespace VectorDR.Cli;

/// <summary>What every command shares: where to write, and the process-wide services.</summary>
public sealed class CliContext(TextWriter stdout, TextWriter stderr)
{
    public TextWriter Stdout { get; } = stdout;
    public TextWriter Stderr { get; } = stderr;
    public TimeProvider Time { get; } = TimeProvider.System;

    /// <summary>Progress bars only for a person at a terminal; pipes, files and Jobs get plain log lines.</summary>
    public bool Interactive =>
        ReferenceEquals(Stdout, Console.Out) && !Console.IsOutputRedirected && !Console.IsErrorRedirected &&
        Environment.GetEnvironmentVariable("TERM") is not (null or "dumb");
}
