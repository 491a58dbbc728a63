using VectorDR.Operator.Generation;
using VectorDR.Operator.Hosting;

// vectordr-operator                 run the operator (configuration: section "Operator", --kubeconfig PATH)
// vectordr-operator generate [--out DIR]   regenerate crds/ and config/ from the C# types (make crds)
// vectordr-operator bench [schedule] ...  hidden: operator benchmarks against the Kubernetes API emulator (make bench-operator, bench-schedule)
if (args.Length > 0 && args[0] == "generate")
{
    var outIndex = Array.IndexOf(args, "--out");
    // Default: the repository root above the working directory (`dotnet run` runs in the project's folder).
    var root = outIndex >= 0 && outIndex + 1 < args.Length ? args[outIndex + 1] : RepositoryRoot(Directory.GetCurrentDirectory());
    var written = ManifestGenerator.WriteAll(root);
    Console.WriteLine(written.Count == 0 ? "crds/ and config/ are up to date" : $"wrote {written.Count} files:\n  " + string.Join("\n  ", written));
    return 0;
}

if (args.Length > 0 && args[0] == "bench")
{
    return await VectorDR.Operator.Bench.BenchCommand.MainAsync(args[1..]);
}

var app = OperatorHost.Build(args);
await app.RunAsync();
return 0;

static string RepositoryRoot(string start)
{
    for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "Operator.sln"))) return dir.FullName;
    return start;
}
