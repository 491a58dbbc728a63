using System.Text.Json;
using VectorDR.Engine.Tests.Support;

namespace VectorDR.Engine.Tests;

/// <summary>Standby-region copies, GFS pruning and garbage collection on filesystem locations.</summary>
public sealed class CopyPruneGcTests : IAsyncLifetime
{
    private QdrantWorld _world = null!;
    private string _standby = null!;

    public async Task InitializeAsync()
    {
        _world = await QdrantWorld.StartAsync();
        _standby = Path.Combine(_world.Root, "standby");
        Directory.CreateDirectory(_standby);
    }

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private async Task<string> BackupAsync(string collection = "docs")
    {
        var run = await Vectordr.RunAsync(["backup", .. _world.Qdrant, "-c", collection, "--to", _world.Repository, "--json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        return run.Json.GetProperty("backup").GetProperty("backupId").GetString()!;
    }

    private static JsonElement[] Backups(Vectordr.Run copy) => copy.Json.GetProperty("backups").EnumerateArray().ToArray();

    [Fact]
    public async Task Copy_replicates_every_backup_verifies_it_there_and_skips_it_the_next_time()
    {
        await _world.SeedAsync("docs", points: 800);
        var first = await BackupAsync();
        var second = await BackupAsync();

        var copy = await Vectordr.RunAsync("copy", _world.Repository, "--to", _standby, "--all", "--json");
        Assert.True(copy.ExitCode == 0, copy.ToString());
        Assert.Equal(["copied", "copied"], Backups(copy).Select(b => b.GetProperty("outcome").GetString()));

        var listed = await Vectordr.RunAsync("list", _standby, "--json");
        Assert.Equal([first, second], listed.Json.GetProperty("backups").EnumerateArray().Select(b => b.GetProperty("id").GetString()));
        Assert.Equal(0, (await Vectordr.RunAsync("verify", _standby, "--id", first)).ExitCode);

        var again = await Vectordr.RunAsync("copy", _world.Repository, "--to", _standby, "--all", "--json");
        Assert.Equal(["skipped", "skipped"], Backups(again).Select(b => b.GetProperty("outcome").GetString()));

        // A restore reads the standby copy as it would after the primary region is gone.
        await _world.DeleteCollectionAsync("docs");
        var restore = await Vectordr.RunAsync(["restore", _standby, "--latest", .. _world.Qdrant]);
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Equal(800, await _world.CountAsync("docs"));
    }

    [Fact]
    public async Task An_interrupted_copy_is_finished_by_the_next_run_and_never_looks_complete_before()
    {
        await _world.SeedAsync("docs", points: 500, shards: 3);
        var id = await BackupAsync();
        // What a copy killed half-way leaves: one shard part, no manifest.
        var partDir = Path.Combine(_standby, "backups", id, "docs");
        Directory.CreateDirectory(partDir);
        File.Copy(Path.Combine(_world.Repository, "backups", id, "docs", "shard-0.snapshot"), Path.Combine(partDir, "shard-0.snapshot"));
        // ... and a second part that was cut short.
        await File.WriteAllBytesAsync(Path.Combine(partDir, "shard-1.snapshot"), new byte[100]);

        Assert.Equal(0, (await Vectordr.RunAsync("list", _standby, "--json")).Json.GetProperty("backups").GetArrayLength());

        var copy = await Vectordr.RunAsync("copy", _world.Repository, "--to", _standby, "--id", id, "--json");
        Assert.True(copy.ExitCode == 0, copy.ToString());
        Assert.Equal(2, Backups(copy)[0].GetProperty("partsStreamed").GetInt32()); // the intact part was kept
        Assert.Equal(0, (await Vectordr.RunAsync("verify", _standby, "--id", id)).ExitCode);
    }

    [Fact]
    public async Task A_corrupt_source_part_is_not_copied_and_the_destination_gets_no_manifest()
    {
        await _world.SeedAsync("docs", points: 500);
        var id = await BackupAsync();
        var part = Directory.EnumerateFiles(Path.Combine(_world.Repository, "backups", id), "*.snapshot", SearchOption.AllDirectories).First();
        var bytes = await File.ReadAllBytesAsync(part);
        bytes[bytes.Length / 3] ^= 0xFF;
        await File.WriteAllBytesAsync(part, bytes);

        var copy = await Vectordr.RunAsync("copy", _world.Repository, "--to", _standby, "--id", id);

        Assert.Equal(1, copy.ExitCode);
        Assert.Contains("SHA-256", copy.Stderr);
        Assert.Empty(Directory.EnumerateFiles(_standby, "manifest.json", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Prune_dry_run_plans_and_prune_deletes_what_no_rule_keeps_manifest_first()
    {
        await _world.SeedAsync("docs", points: 200);
        var ids = new List<string>();
        for (var i = 0; i < 4; i++) ids.Add(await BackupAsync());

        var plan = await Vectordr.RunAsync("prune", _world.Repository, "--keep-last", "2", "--dry-run", "--json");
        Assert.True(plan.ExitCode == 0, plan.ToString());
        var entries = plan.Json.GetProperty("backups").EnumerateArray().ToDictionary(e => e.GetProperty("backupId").GetString()!,
            e => e.GetProperty("action").GetString());
        Assert.Equal("keep", entries[ids[3]]);
        Assert.Equal("keep", entries[ids[2]]);
        Assert.Equal("delete", entries[ids[1]]);
        Assert.Equal("delete", entries[ids[0]]);
        Assert.Equal(4, (await Vectordr.RunAsync("list", _world.Repository, "--json")).Json.GetProperty("backups").GetArrayLength());

        var prune = await Vectordr.RunAsync("prune", _world.Repository, "--keep-last", "2");
        Assert.True(prune.ExitCode == 0, prune.ToString());
        Assert.Contains("2 kept, 2 deleted", prune.Stdout);
        Assert.False(Directory.Exists(Path.Combine(_world.Repository, "backups", ids[0])));
        Assert.Equal([ids[2], ids[3]], (await Vectordr.RunAsync("list", _world.Repository, "--json")).Json.GetProperty("backups")
            .EnumerateArray().Select(b => b.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task A_prune_interrupted_after_the_manifest_went_is_finished_by_the_next_prune()
    {
        await _world.SeedAsync("docs", points: 200);
        var old = await BackupAsync();
        await BackupAsync();
        // What a prune killed between steps 2 and 3 leaves: a marker and parts, no manifest.
        var dir = Path.Combine(_world.Repository, "backups", old);
        await File.WriteAllBytesAsync(Path.Combine(dir, "deleting"), []);
        File.Delete(Path.Combine(dir, "manifest.json"));

        var prune = await Vectordr.RunAsync("prune", _world.Repository, "--keep-last", "5");

        Assert.True(prune.ExitCode == 0, prune.ToString());
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task Prune_with_every_rule_at_zero_is_refused_and_deletes_nothing()
    {
        await _world.SeedAsync("docs", points: 100);
        await BackupAsync();
        await BackupAsync();

        var run = await Vectordr.RunAsync("prune", _world.Repository);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("every keep rule is 0", run.Stderr);
        Assert.Equal(2, (await Vectordr.RunAsync("list", _world.Repository, "--json")).Json.GetProperty("backups").GetArrayLength());
    }

    [Fact]
    public async Task Gc_lists_and_removes_orphaned_parts_but_leaves_young_ones_alone()
    {
        await _world.SeedAsync("docs", points: 100);
        var kept = await BackupAsync();
        var oldOrphan = Path.Combine(_world.Repository, "backups", "20200101T000000Z-aaaaaa", "docs");
        var youngOrphan = Path.Combine(_world.Repository, "backups", "29990101T000000Z-bbbbbb", "docs");
        foreach (var d in new[] { oldOrphan, youngOrphan })
        {
            Directory.CreateDirectory(d);
            await File.WriteAllBytesAsync(Path.Combine(d, "shard-0.snapshot"), new byte[4096]);
        }
        File.SetLastWriteTimeUtc(Path.Combine(oldOrphan, "shard-0.snapshot"), DateTime.UtcNow.AddDays(-3));

        var dry = await Vectordr.RunAsync("gc", _world.Repository, "--json");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Equal(["20200101T000000Z-aaaaaa"], dry.Json.GetProperty("orphans").EnumerateArray().Select(o => o.GetProperty("backupId").GetString()));
        Assert.Equal(1, dry.Json.GetProperty("inProgress").GetInt32());
        Assert.True(Directory.Exists(oldOrphan));

        var apply = await Vectordr.RunAsync("gc", _world.Repository, "--apply", "--grace", "24h");
        Assert.True(apply.ExitCode == 0, apply.ToString());
        Assert.False(Directory.Exists(oldOrphan));
        Assert.True(Directory.Exists(youngOrphan));
        Assert.Equal(0, (await Vectordr.RunAsync("verify", _world.Repository, "--id", kept)).ExitCode);
    }
}
