using System.Text.Json;
using VectorDR.Engine.Tests.Support;

namespace VectorDR.Engine.Tests;

/// <summary>Zero-disk backups: shards stream from Qdrant straight into the repository, and restore shard by shard.</summary>
public sealed class StreamModeTests : IAsyncLifetime
{
    private QdrantWorld _world = null!;

    public async Task InitializeAsync() => _world = await QdrantWorld.StartAsync();
    public async Task DisposeAsync() => await _world.DisposeAsync();

    private async Task<JsonElement> BackupAsync(params string[] extra)
    {
        var run = await Vectordr.RunAsync(["backup", .. _world.Qdrant, "--to", _world.Repository, "--json", .. extra]);
        Assert.True(run.ExitCode == 0, run.ToString());
        return run.Json.GetProperty("backup");
    }

    private async Task<JsonElement> ManifestAsync(string backupId) =>
        JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_world.Repository, "backups", backupId, "manifest.json"))).RootElement;

    [Fact]
    public async Task A_four_shard_collection_is_backed_up_one_part_per_shard_and_restored_shard_by_shard()
    {
        await _world.SeedAsync("docs", points: 4000, dimensions: 24, shards: 4);

        var backup = await BackupAsync("-c", "docs");

        Assert.Equal("stream", backup.GetProperty("mode").GetString());
        var manifest = await ManifestAsync(backup.GetProperty("backupId").GetString()!);
        Assert.Equal("1.1", manifest.GetProperty("formatVersion").GetString());
        var parts = manifest.GetProperty("collections")[0].GetProperty("parts").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2, 3], parts.Select(p => p.GetProperty("shardId").GetInt32()));
        Assert.All(parts, p => Assert.Equal("shard", p.GetProperty("contents").GetString()));
        Assert.Equal(4000, parts.Sum(p => p.GetProperty("points").GetInt64()));
        Assert.Empty(_world.SnapshotFilesOnQdrant()); // zero disk on the Qdrant side

        await _world.DeleteCollectionAsync("docs");
        var restore = await Vectordr.RunAsync(["restore", _world.Repository, "--latest", .. _world.Qdrant, "--json"]);

        Assert.True(restore.ExitCode == 0, restore.ToString());
        var c = restore.Json.GetProperty("collections")[0];
        Assert.Equal(4000, c.GetProperty("points").GetInt64());
        Assert.Equal(1.0, c.GetProperty("recall").GetDouble());
        Assert.Empty(_world.SnapshotFilesOnQdrant()); // uploaded shard snapshots are cleaned up too
        var info = JsonDocument.Parse(await _world.Http.GetStringAsync("collections/docs")).RootElement;
        Assert.Equal(4, info.GetProperty("result").GetProperty("config").GetProperty("params").GetProperty("shard_number").GetInt32());
    }

    [Fact]
    public async Task Payload_indexes_and_named_vectors_come_back_with_a_sharded_restore()
    {
        // A collection created over the REST API, as users do: two named vectors, three shards, a keyword index.
        var create = await _world.Http.PutAsync("collections/multi", System.Net.Http.Json.JsonContent.Create(new
        {
            vectors = new { text = new { size = 8, distance = "Cosine" }, image = new { size = 4, distance = "Dot" } },
            shard_number = 3,
        }));
        create.EnsureSuccessStatusCode();
        var points = Enumerable.Range(1, 60).Select(i => new
        {
            id = i,
            vector = new { text = Enumerable.Range(0, 8).Select(d => (float)Math.Sin(i * 7 + d)).ToArray(),
                image = Enumerable.Range(0, 4).Select(d => (float)Math.Cos(i * 3 + d)).ToArray() },
            payload = new { group = $"g{i % 4}" },
        }).ToArray();
        (await _world.Http.PutAsync("collections/multi/points?wait=true", System.Net.Http.Json.JsonContent.Create(new { points }))).EnsureSuccessStatusCode();
        (await _world.Http.PutAsync("collections/multi/index?wait=true",
            System.Net.Http.Json.JsonContent.Create(new { field_name = "group", field_schema = "keyword" }))).EnsureSuccessStatusCode();

        await BackupAsync("-c", "multi");
        await _world.DeleteCollectionAsync("multi");
        var restore = await Vectordr.RunAsync(["restore", _world.Repository, "--latest", .. _world.Qdrant, "--json"]);

        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Equal(1.0, restore.Json.GetProperty("collections")[0].GetProperty("recall").GetDouble());
        var info = JsonDocument.Parse(await _world.Http.GetStringAsync("collections/multi")).RootElement.GetProperty("result");
        Assert.Equal("keyword", info.GetProperty("payload_schema").GetProperty("group").GetProperty("data_type").GetString());
        Assert.Equal(4, info.GetProperty("config").GetProperty("params").GetProperty("vectors").GetProperty("image").GetProperty("size").GetInt32());
        Assert.Equal(60, await _world.CountAsync("multi"));
    }

    [Fact]
    public async Task A_stream_cut_half_way_fails_the_run_naming_the_shard_and_leaves_no_backup()
    {
        await _world.SeedAsync("docs", points: 6000, dimensions: 64, shards: 2);
        _world.Emulator.Faults.CutStreamsAfterBytes(100_000);

        var failed = await Vectordr.RunAsync(["backup", .. _world.Qdrant, "-c", "docs", "--to", _world.Repository, "--json"]);
        _world.Emulator.Faults.Clear();

        Assert.Equal(1, failed.ExitCode);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(failed.Stderr, "shard [01] of collection 'docs'"), failed.Stderr);
        Assert.Empty(Directory.EnumerateFiles(_world.Repository, "*", SearchOption.AllDirectories));
        Assert.Empty(_world.SnapshotFilesOnQdrant());

        await BackupAsync("-c", "docs");
        Assert.Equal(0, (await Vectordr.RunAsync("verify", _world.Repository, "--latest")).ExitCode);
    }

    [Fact]
    public async Task A_shard_part_with_a_bad_checksum_is_refused_and_the_collection_it_created_is_removed()
    {
        await _world.SeedAsync("docs", points: 3000, dimensions: 16, shards: 3);
        var id = (await BackupAsync("-c", "docs")).GetProperty("backupId").GetString()!;
        var part = Path.Combine(_world.Repository, "backups", id, "docs", "shard-2.snapshot");
        await using (var f = new FileStream(part, FileMode.Open, FileAccess.ReadWrite))
        {
            f.Position = 700;
            var b = f.ReadByte();
            f.Position = 700;
            f.WriteByte((byte)(b ^ 0x5A));
        }
        await _world.DeleteCollectionAsync("docs");

        var run = await Vectordr.RunAsync(["restore", _world.Repository, "--id", id, .. _world.Qdrant, "--via", "stream"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("docs/shard-2.snapshot", run.Stderr);
        Assert.False(await _world.ExistsAsync("docs"));
    }

    [Theory]
    [InlineData(2, 16)] // different shard number
    [InlineData(3, 8)]  // different vector size
    public async Task Restore_into_an_existing_collection_of_another_shape_is_refused_and_it_stays_untouched(int shards, int dimensions)
    {
        await _world.SeedAsync("docs", points: 900, dimensions: 16, shards: 3);
        await BackupAsync("-c", "docs");
        await _world.DeleteCollectionAsync("docs");
        await _world.SeedAsync("docs", points: 11, dimensions: dimensions, shards: shards);

        var run = await Vectordr.RunAsync(["restore", _world.Repository, "--latest", .. _world.Qdrant, "--on-existing", "replace"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("incompatible", run.Stderr);
        Assert.Contains(shards != 3 ? "params.shard_number" : "params.vectors", run.Stderr);
        Assert.Equal(11, await _world.CountAsync("docs"));
    }

    [Fact]
    public async Task Restore_of_a_sharded_backup_with_replace_overwrites_a_compatible_collection()
    {
        await _world.SeedAsync("docs", points: 1500, dimensions: 16, shards: 2);
        await BackupAsync("-c", "docs");
        await _world.DeleteCollectionAsync("docs");
        await _world.SeedAsync("docs", points: 30, dimensions: 16, shards: 2);

        var run = await Vectordr.RunAsync(["restore", _world.Repository, "--latest", .. _world.Qdrant, "--on-existing", "replace"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(1500, await _world.CountAsync("docs"));
    }
}

/// <summary>A server older than Qdrant 1.12 has no streaming shard snapshot.</summary>
public sealed class OldServerTests : IAsyncLifetime
{
    private QdrantWorld _world = null!;

    public async Task InitializeAsync() => _world = await QdrantWorld.StartAsync(qdrantVersion: "1.11.3");
    public async Task DisposeAsync() => await _world.DisposeAsync();

    [Fact]
    public async Task Auto_mode_falls_back_to_snapshot_mode_and_says_so()
    {
        await _world.SeedAsync("docs", points: 300);
        var run = await Vectordr.RunAsync(["backup", .. _world.Qdrant, "-c", "docs", "--to", _world.Repository, "--json"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("snapshot", run.Json.GetProperty("backup").GetProperty("mode").GetString());
        Assert.Contains("Qdrant 1.11.3 cannot stream shard snapshots", run.Stderr);
        Assert.Contains("falling back to snapshot mode", run.Stderr);
        Assert.Empty(_world.SnapshotFilesOnQdrant());
    }

    [Fact]
    public async Task Asking_for_stream_mode_is_refused_with_the_way_out()
    {
        await _world.SeedAsync("docs", points: 300);
        var run = await Vectordr.RunAsync(["backup", .. _world.Qdrant, "-c", "docs", "--to", _world.Repository, "--mode", "stream"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("use --mode snapshot", run.Stderr);
    }
}
