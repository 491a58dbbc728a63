using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using VectorDR.Engine.Backup;
using VectorDR.Engine.Tests.Support;
using VectorDR.Qdrant;
using VectorDR.Storage;

namespace VectorDR.Engine.Tests;

/// <summary>A backup stopped at any point leaves nothing that looks like a backup, and the next one succeeds.</summary>
public sealed class InterruptionTests : IAsyncLifetime
{
    private QdrantWorld _world = null!;

    public async Task InitializeAsync() => _world = await QdrantWorld.StartAsync();
    public async Task DisposeAsync() => await _world.DisposeAsync();

    /// <summary>Cancels the run once a transfer has moved <paramref name="afterBytes"/> bytes (a Job's SIGTERM).</summary>
    private sealed class CancelAfter(CancellationTokenSource cts, long afterBytes) : IOperationObserver, ITransferObserver
    {
        public void Step(string message) { }
        public ITransferObserver BeginTransfer(string label, long? totalBytes) => this;
        public void Report(long value) { if (value >= afterBytes) cts.Cancel(); }
        public void Dispose() { }
    }

    [Fact]
    public async Task A_backup_cancelled_half_way_leaves_no_backup_no_part_and_no_snapshot_on_qdrant()
    {
        await _world.SeedAsync("docs", points: 4000, dimensions: 64);
        var qdrant = new QdrantClient(new QdrantClientOptions { Endpoint = _world.Emulator.BaseAddress, ApiKey = QdrantWorld.AdminKey });
        await using var store = await ObjectStores.OpenAsync(_world.Repository);
        using var cts = new CancellationTokenSource();
        var engine = new BackupEngine(qdrant, store, TimeProvider.System, NullLogger<BackupEngine>.Instance, new CancelAfter(cts, 200_000));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.RunAsync(new BackupOptions { Collections = ["docs"] }, cts.Token));

        Assert.Empty(Directory.EnumerateFiles(_world.Repository, "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(_world.Emulator.SnapshotsDirectory, "*.snapshot", SearchOption.AllDirectories));
        var next = await Vectordr.RunAsync(["backup", .. _world.Qdrant, "-c", "docs", "--to", _world.Repository, "--json"]);
        Assert.True(next.ExitCode == 0, next.ToString());
        Assert.Equal(1, (await Vectordr.RunAsync("list", _world.Repository, "--json")).Json.GetProperty("backups").GetArrayLength());
    }

    [Fact]
    public async Task A_backup_process_killed_mid_transfer_leaves_nothing_listed_and_the_next_backup_succeeds()
    {
        await _world.SeedAsync("docs", points: 60_000, dimensions: 128);
        var cli = Path.Combine(AppContext.BaseDirectory, "vectordr.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { cli, "backup", "--qdrant", _world.Url, "--api-key-file", _world.AdminKeyFile, "-c", "docs", "--to", _world.Repository },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;

        // Kill -9 as soon as part bytes are landing in the repository (a temp file), as a node failure would.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!process.HasExited && DateTime.UtcNow < deadline &&
               !Directory.EnumerateFiles(_world.Repository, "*", SearchOption.AllDirectories).Any(f => new FileInfo(f).Length > 0))
            await Task.Delay(5);
        Assert.False(process.HasExited, "the backup finished before it could be killed: make the collection bigger");
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();

        var list = await Vectordr.RunAsync("list", _world.Repository, "--json");
        Assert.Equal(0, list.Json.GetProperty("backups").GetArrayLength());
        Assert.Empty(Directory.EnumerateFiles(_world.Repository, "manifest.json", SearchOption.AllDirectories));

        var next = await Vectordr.RunAsync(["backup", .. _world.Qdrant, "-c", "docs", "--to", _world.Repository, "--json"]);
        Assert.True(next.ExitCode == 0, next.ToString());
        Assert.Equal(1, (await Vectordr.RunAsync("list", _world.Repository, "--json")).Json.GetProperty("backups").GetArrayLength());
        Assert.Equal(0, (await Vectordr.RunAsync("verify", _world.Repository, "--latest")).ExitCode);
    }
}
