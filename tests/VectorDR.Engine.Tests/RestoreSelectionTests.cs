using VectorDR.Cli;
using VectorDR.Engine.Tests.Support;

namespace VectorDR.Engine.Tests;

/// <summary>`vectordr restore` picks exactly what was asked for, says what exists when it cannot, and cleans up when stopped.</summary>
public sealed class RestoreSelectionTests : IAsyncLifetime
{
    private QdrantWorld _world = null!;

    public async Task InitializeAsync() => _world = await QdrantWorld.StartAsync();
    public async Task DisposeAsync() => await _world.DisposeAsync();

    [Fact]
    public async Task An_unknown_id_fails_naming_the_backups_that_exist()
    {
        await _world.SeedAsync("docs", points: 100);
        var first = (await Vectordr.RunAsync(["backup", .. _world.Qdrant, "-c", "docs", "--to", _world.Repository, "--json"])).Json
            .GetProperty("backup").GetProperty("backupId").GetString()!;
        await Task.Delay(1100); // backup ids are second-resolution
        var second = (await Vectordr.RunAsync(["backup", .. _world.Qdrant, "-c", "docs", "--to", _world.Repository, "--json"])).Json
            .GetProperty("backup").GetProperty("backupId").GetString()!;

        var restore = await Vectordr.RunAsync(["restore", _world.Repository, "--id", "20990101T000000Z-000000", .. _world.Qdrant, "-c", "docs:copy", "--json"]);

        Assert.Equal(2, restore.ExitCode);
        var error = restore.Json.GetProperty("error").GetString()!;
        Assert.Contains($"backup '20990101T000000Z-000000' does not exist in {_world.Repository}", error);
        Assert.Contains($"it holds 2 committed backup(s): {first}, {second}", error);
        Assert.False(await _world.ExistsAsync("copy"));
    }

    [Fact]
    public async Task An_empty_location_fails_saying_so()
    {
        var restore = await Vectordr.RunAsync(["restore", _world.Repository, "--id", "x", .. _world.Qdrant, "--json"]);
        Assert.Equal(2, restore.ExitCode);
        Assert.Contains("it holds no committed backup", restore.Json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_restore_stopped_midway_removes_the_collection_it_created_and_keeps_existing_ones()
    {
        await _world.SeedAsync("docs", points: 300);
        Assert.Equal(0, (await Vectordr.RunAsync(["backup", .. _world.Qdrant, "-c", "docs", "--to", _world.Repository, "--json"])).ExitCode);
        _world.Emulator.Faults.DelayNextRequests(TimeSpan.FromMilliseconds(300)); // verification takes seconds now

        using var stop = new CancellationTokenSource();
        var stdout = new StringWriter();
        var run = CliApp.RunAsync(["restore", _world.Repository, "--latest", .. _world.Qdrant, "-c", "docs:half", "--json"], stdout, new StringWriter(), stop.Token);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await _world.ExistsAsync("half") && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(await _world.ExistsAsync("half"), "the restore never created its collection");
        await stop.CancelAsync();
        var exit = await run;
        _world.Emulator.Faults.Clear();

        Assert.Equal(1, exit);
        Assert.False(await _world.ExistsAsync("half"));
        Assert.Equal(300, await _world.CountAsync("docs"));
    }
}
