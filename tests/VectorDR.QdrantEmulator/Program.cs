using VectorDR.QdrantEmulator;

// qdrant-emulator: runs the Qdrant REST emulator in the foreground until SIGTERM/Ctrl-C. See CommandLine.Usage.
CommandLine commandLine;
try
{
    commandLine = CommandLine.Parse(args);
}
catch (UsageException e)
{
    if (e.Message.Length > 0)
    {
        Console.Error.WriteLine($"qdrant-emulator: {e.Message}");
    }

    Console.Error.WriteLine(CommandLine.Usage);
    return e.Message.Length > 0 ? 2 : 0;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    // Handle it ourselves so the host is disposed (background work awaited, temp data dir removed).
    context.Cancel = true;
    stop.Cancel();
});

try
{
    await using var host = await QdrantEmulatorHost.StartAsync(commandLine.Options, stop.Token);
    foreach (var seed in commandLine.Seeds)
    {
        await host.SeedCollectionAsync(seed.Name, seed.Points, seed.Dimensions, seed.Distance, seed.Shards, ct: stop.Token);
        Console.Error.WriteLine($"seeded {seed.Name}: {seed.Points} points x {seed.Dimensions} dims, {seed.Shards} shard(s), {seed.Distance}");
    }

    Console.Out.WriteLine($"qdrant-emulator listening on {host.BaseAddress.ToString().TrimEnd('/')} (Qdrant {host.Version}, snapshots in {host.SnapshotsDirectory})");
    Console.Out.Flush();
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("qdrant-emulator stopping");
}
catch (IOException e)
{
    // Typically the port is taken.
    Console.Error.WriteLine($"qdrant-emulator: {e.Message}");
    return 1;
}

return 0;
