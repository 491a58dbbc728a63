namespace VectorDR.Operator.Bench;

/// <summary>
/// The hidden `bench` subcommand (against an API server, normally the emulator; the operator runs as a child process):
/// `bench [--policies N] [--idle-seconds S]` is make bench-operator, `bench schedule [--policies N] [--minutes M]`
/// make bench-schedule; both take --kubeconfig PATH.
/// </summary>
public static class BenchCommand
{
    public static Task<int> MainAsync(string[] args) => args.Length > 0 && args[0] == "schedule"
        ? ScheduleBenchmark.MainAsync(args[1..])
        : OperatorBenchmark.MainAsync(args);
}
