using System.Text.Json;
using VectorDR.Cli;

namespace VectorDR.Engine.Tests.Support;

/// <summary>Runs the real <c>vectordr</c> command line in-process and captures what it prints.</summary>
public static class Vectordr
{
    public sealed record Run(int ExitCode, string Stdout, string Stderr)
    {
        public JsonElement Json
        {
            get
            {
                var lines = Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Assert.True(lines.Length == 1, $"--json must print exactly one line on stdout, got:\n{Stdout}\nstderr:\n{Stderr}");
                return JsonDocument.Parse(lines[0]).RootElement.Clone();
            }
        }

        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    public static async Task<Run> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await CliApp.RunAsync(args, stdout, stderr, CancellationToken.None);
        return new Run(exit, stdout.ToString(), stderr.ToString());
    }
}
