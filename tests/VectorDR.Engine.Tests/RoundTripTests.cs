using System.Text.Json;
using VectorDR.Engine.Tests.Support;

namespace VectorDR.Engine.Tests;

/// <summary>The data path end to end through the real CLI: backup → list → describe → verify → drop → restore.</summary>
public sealed class RoundTripTests : IAsyncLifetime
{
    private QdrantWorld _world = null!;

    public async Task InitializeAsync() => _world = await QdrantWorld.StartAsync();
    public async Task DisposeAsync() => await _world.DisposeAsync();

    [Theory]
    [InlineData("stream", "1.1", "docs/shard-0.snapshot")]
    [InlineData("snapshot", "1.0", "docs/collection.snapshot")]
    public async Task Backup_then_restore_after_the_collection_is_dropped_gives_back_the_same_collection(string mode, string format, string partKey)
    {
        await _world.SeedAsync("docs", points: 1200, dimensions: 32);

        var backup = await Vectordr.RunAsync(["backup", .. _world.Qdrant, "--collection", "docs", "--to", _world.Repository, "--mode", mode, "--json"]);
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var result = backup.Json;
        Assert.True(result.GetProperty("succeeded").GetBoolean());
        var backupId = result.GetProperty("backup").GetProperty("backupId").GetString()!;
        Assert.Equal(1200, result.GetProperty("backup").GetProperty("points").GetInt64());

        // The manifest is the commit: it exists, names every part with size and checksum, and carries probes.
        var manifestPath = Path.Combine(_world.Repository, "backups", backupId, "manifest.json");
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(manifestPath));
        var collection = manifest.RootElement.GetProperty("collections")[0];
        Assert.Equal(format, manifest.RootElement.GetProperty("formatVersion").GetString());
        Assert.Equal("docs", collection.GetProperty("name").GetString());
        Assert.Equal(1200, collection.GetProperty("pointCount").GetInt64());
        Assert.Equal(32, collection.GetProperty("config").GetProperty("params").GetProperty("vectors").GetProperty("size").GetInt32());
        var part = collection.GetProperty("parts")[0];
        Assert.Equal(partKey, part.GetProperty("key").GetString());
        var partFile = Path.Combine(_world.Repository, "backups", backupId, part.GetProperty("key").GetString()!);
        Assert.Equal(new FileInfo(partFile).Length, part.GetProperty("sizeBytes").GetInt64());
        Assert.Equal(10, collection.GetProperty("probes").GetProperty("probes").GetArrayLength());
        Assert.DoesNotContain(QdrantWorld.AdminKey, await File.ReadAllTextAsync(manifestPath));

        // Qdrant's disk is left as it was: the snapshot made for the backup is gone.
        Assert.Empty(Directory.EnumerateFiles(_world.Emulator.SnapshotsDirectory, "*.snapshot", SearchOption.AllDirectories));

        var list = await Vectordr.RunAsync("list", _world.Repository, "--json");
        Assert.Equal(0, list.ExitCode);
        Assert.Equal(backupId, list.Json.GetProperty("backups")[0].GetProperty("id").GetString());

        var verify = await Vectordr.RunAsync("verify", _world.Repository, "--id", backupId);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains("verified", verify.Stdout);

        await _world.DeleteCollectionAsync("docs");

        var restore = await Vectordr.RunAsync(["restore", _world.Repository, "--latest", .. _world.Qdrant, "--switch-alias", "docs-live", "--json"]);
        Assert.True(restore.ExitCode == 0, restore.ToString());
        var restored = restore.Json;
        Assert.True(restored.GetProperty("succeeded").GetBoolean());
        Assert.Equal(backupId, restored.GetProperty("backupId").GetString());
        var c = restored.GetProperty("collections")[0];
        Assert.Equal(1200, c.GetProperty("points").GetInt64());
        Assert.Equal(1.0, c.GetProperty("recall").GetDouble());
        Assert.True(c.GetProperty("verified").GetBoolean());
        Assert.Equal("docs-live", restored.GetProperty("aliasSwitched").GetString());

        Assert.Equal(1200, await _world.CountAsync("docs"));
        Assert.Equal("docs", await _world.AliasTargetAsync("docs-live"));
        // The uploaded snapshot does not linger in Qdrant's snapshots directory.
        Assert.Empty(Directory.EnumerateFiles(_world.Emulator.SnapshotsDirectory, "*.snapshot", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Restore_can_rename_a_subset_beside_the_live_collection()
    {
        await _world.SeedAsync("a", points: 300);
        await _world.SeedAsync("b", points: 200);
        var backup = await Vectordr.RunAsync(["backup", .. _world.Qdrant, "--all", "--to", _world.Repository]);
        Assert.True(backup.ExitCode == 0, backup.ToString());

        var restore = await Vectordr.RunAsync(["restore", _world.Repository, "--latest", .. _world.Qdrant, "--collection", "b:b-restored", "--json"]);
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Single(restore.Json.GetProperty("collections").EnumerateArray());
        Assert.Equal(200, await _world.CountAsync("b-restored"));
        Assert.Equal(200, await _world.CountAsync("b"));
        Assert.False(await _world.ExistsAsync("a-restored"));
    }

    [Fact]
    public async Task Replace_overwrites_an_existing_compatible_collection_with_the_backup()
    {
        await _world.SeedAsync("docs", points: 400);
        Assert.Equal(0, (await Vectordr.RunAsync(["backup", .. _world.Qdrant, "-c", "docs", "--to", _world.Repository])).ExitCode);
        await _world.DeleteCollectionAsync("docs");
        await _world.SeedAsync("docs", points: 50); // same vector config, different data

        var restore = await Vectordr.RunAsync(["restore", _world.Repository, "--latest", .. _world.Qdrant, "--on-existing", "replace"]);

        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Equal(400, await _world.CountAsync("docs"));
    }

    [Fact]
    public async Task Point_in_time_picks_the_newest_backup_completed_at_or_before_it()
    {
        await _world.SeedAsync("docs", points: 100);
        var first = (await Vectordr.RunAsync(["backup", .. _world.Qdrant, "-c", "docs", "--to", _world.Repository, "--json"])).Json;
        var firstCompleted = first.GetProperty("backup").GetProperty("completedAt").GetDateTimeOffset();
        await Task.Delay(1100); // backup ids and completion times are second-resolution apart
        var second = (await Vectordr.RunAsync(["backup", .. _world.Qdrant, "-c", "docs", "--to", _world.Repository, "--json"])).Json;

        var between = firstCompleted.AddMilliseconds(500).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
        var pick = await Vectordr.RunAsync("describe", _world.Repository, "--at", between, "--json");
        Assert.True(pick.ExitCode == 0, pick.ToString());
        Assert.Equal(first.GetProperty("backup").GetProperty("backupId").GetString(),
            pick.Json.GetProperty("manifest").GetProperty("backupId").GetString());

        var latest = await Vectordr.RunAsync("describe", _world.Repository, "--latest", "--json");
        Assert.Equal(second.GetProperty("backup").GetProperty("backupId").GetString(),
            latest.Json.GetProperty("manifest").GetProperty("backupId").GetString());

        var before = firstCompleted.AddHours(-1).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        var none = await Vectordr.RunAsync("describe", _world.Repository, "--at", before);
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("no backup completed at or before", none.Stderr);
        Assert.Contains(first.GetProperty("backup").GetProperty("backupId").GetString()!, none.Stderr); // names the earliest
    }
}
