using System.Net;
using System.Net.Sockets;
using VectorDR.Engine.Tests.Support;

namespace VectorDR.Engine.Tests;

/// <summary>Every bad input: a clear message naming the thing, exit 2 (input) or 1 (failure), and nothing lost.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private QdrantWorld _world = null!;

    public async Task InitializeAsync() => _world = await QdrantWorld.StartAsync();
    public async Task DisposeAsync() => await _world.DisposeAsync();

    /// <summary>A snapshot-mode backup: one part, <c>&lt;collection&gt;/collection.snapshot</c>.</summary>
    private async Task<string> BackupAsync(string collection)
    {
        var run = await Vectordr.RunAsync(["backup", .. _world.Qdrant, "-c", collection, "--to", _world.Repository, "--mode", "snapshot", "--json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        return run.Json.GetProperty("backup").GetProperty("backupId").GetString()!;
    }

    private string[] BackupDirectories() =>
        Directory.Exists(Path.Combine(_world.Repository, "backups"))
            ? Directory.GetDirectories(Path.Combine(_world.Repository, "backups"))
            : [];

    [Fact]
    public async Task Unknown_collection_is_named_and_nothing_is_written()
    {
        await _world.SeedAsync("docs");
        var run = await Vectordr.RunAsync(["backup", .. _world.Qdrant, "-c", "docs", "-c", "nope", "--to", _world.Repository, "--json"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("collection 'nope' does not exist", run.Stderr);
        Assert.False(run.Json.GetProperty("succeeded").GetBoolean());
        Assert.Empty(BackupDirectories());
        Assert.Empty(Directory.EnumerateFiles(_world.Emulator.SnapshotsDirectory, "*.snapshot", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Unreachable_qdrant_fails_naming_the_endpoint()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there any more

        var run = await Vectordr.RunAsync("backup", "--qdrant", $"http://127.0.0.1:{port}", "--all", "--to", _world.Repository);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"127.0.0.1:{port}", run.Stderr);
        Assert.Contains("unreachable", run.Stderr);
    }

    [Fact]
    public async Task Wrong_api_key_is_reported_as_rejected_without_echoing_it()
    {
        await _world.SeedAsync("docs");
        var wrong = Path.Combine(_world.Root, "wrong.key");
        await File.WriteAllTextAsync(wrong, "not-the-key-51d2");

        var run = await Vectordr.RunAsync("backup", "--qdrant", _world.Url, "--api-key-file", wrong, "-c", "docs", "--to", _world.Repository);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("rejected the API key", run.Stderr);
        Assert.DoesNotContain("not-the-key-51d2", run.Stderr + run.Stdout);
    }

    [Theory]
    [InlineData("snapshot", "lacks the permission to create a snapshot of collection 'docs' (needs write access)")]
    [InlineData("stream", "streaming a shard snapshot needs write access to the collection (snapshot mode needs it too; use a read-write key)")]
    public async Task Read_only_api_key_names_the_missing_write_permission(string mode, string message)
    {
        await _world.SeedAsync("docs");
        var run = await Vectordr.RunAsync("backup", "--qdrant", _world.Url, "--api-key-file", _world.ReadOnlyKeyFile, "-c", "docs",
            "--to", _world.Repository, "--mode", mode);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Stderr);
        Assert.DoesNotContain(QdrantWorld.ReadOnlyKey, run.Stderr + run.Stdout);
        Assert.Empty(BackupDirectories());
    }

    [Fact]
    public async Task Restore_with_a_read_only_key_names_the_missing_manage_permission_and_creates_nothing()
    {
        await _world.SeedAsync("docs");
        await BackupAsync("docs");
        await _world.DeleteCollectionAsync("docs");

        var run = await Vectordr.RunAsync("restore", _world.Repository, "--latest", "--qdrant", _world.Url, "--api-key-file", _world.ReadOnlyKeyFile);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("needs manage access", run.Stderr);
        Assert.False(await _world.ExistsAsync("docs"));
    }

    [Fact]
    public async Task A_location_that_does_not_exist_is_named()
    {
        await _world.SeedAsync("docs");
        var missing = Path.Combine(_world.Root, "no", "such", "dir");

        var run = await Vectordr.RunAsync(["backup", .. _world.Qdrant, "-c", "docs", "--to", missing]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(missing, run.Stderr);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public async Task A_location_that_is_not_writable_is_named()
    {
        await _world.SeedAsync("docs");
        // A regular file where a directory should be: not writable for any user, root included.
        var file = Path.Combine(_world.Root, "a-file");
        await File.WriteAllTextAsync(file, "x");

        var run = await Vectordr.RunAsync(["backup", .. _world.Qdrant, "-c", "docs", "--to", file]);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(file, run.Stderr);
    }

    [Fact]
    public async Task Unknown_backup_id_is_named()
    {
        await _world.SeedAsync("docs");
        await BackupAsync("docs");

        var verify = await Vectordr.RunAsync("verify", _world.Repository, "--id", "20200101T000000Z-000000");
        var restore = await Vectordr.RunAsync(["restore", _world.Repository, "--id", "20200101T000000Z-000000", .. _world.Qdrant]);

        Assert.Equal(2, verify.ExitCode);
        Assert.Contains("backup '20200101T000000Z-000000' does not exist", verify.Stderr);
        Assert.Equal(2, restore.ExitCode);
        Assert.Contains("backup '20200101T000000Z-000000' does not exist", restore.Stderr);
    }

    [Fact]
    public async Task A_manifest_of_an_unknown_format_version_is_refused()
    {
        await _world.SeedAsync("docs");
        var id = await BackupAsync("docs");
        var manifest = Path.Combine(_world.Repository, "backups", id, "manifest.json");
        await File.WriteAllTextAsync(manifest,
            System.Text.RegularExpressions.Regex.Replace(await File.ReadAllTextAsync(manifest), "\"formatVersion\": \"[0-9.]+\"", "\"formatVersion\": \"2.0\""));

        var run = await Vectordr.RunAsync("describe", _world.Repository, "--id", id);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("format version 2.0", run.Stderr);
    }

    [Fact]
    public async Task A_part_with_flipped_bytes_fails_verify_and_restore_naming_the_part()
    {
        await _world.SeedAsync("docs", points: 400);
        var id = await BackupAsync("docs");
        var part = Path.Combine(_world.Repository, "backups", id, "docs", "collection.snapshot");
        await using (var f = new FileStream(part, FileMode.Open, FileAccess.ReadWrite))
        {
            f.Position = f.Length / 2;
            var b = f.ReadByte();
            f.Position = f.Length / 2;
            f.WriteByte((byte)(b ^ 0xFF)); // same size, different bytes
        }
        await _world.DeleteCollectionAsync("docs");

        var verify = await Vectordr.RunAsync("verify", _world.Repository, "--id", id);
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("docs/collection.snapshot", verify.Stdout);
        Assert.Contains("SHA-256", verify.Stdout);

        var restore = await Vectordr.RunAsync(["restore", _world.Repository, "--id", id, .. _world.Qdrant, "--via", "stream"]);
        Assert.Equal(1, restore.ExitCode);
        Assert.Contains("docs/collection.snapshot", restore.Stderr);
        Assert.False(await _world.ExistsAsync("docs"));
    }

    [Fact]
    public async Task A_truncated_part_is_refused_before_anything_is_sent_to_qdrant()
    {
        await _world.SeedAsync("docs", points: 400);
        var id = await BackupAsync("docs");
        var part = Path.Combine(_world.Repository, "backups", id, "docs", "collection.snapshot");
        await using (var f = new FileStream(part, FileMode.Open, FileAccess.ReadWrite)) f.SetLength(f.Length - 100);
        await _world.DeleteCollectionAsync("docs");

        var verify = await Vectordr.RunAsync("verify", _world.Repository, "--latest");
        var restore = await Vectordr.RunAsync(["restore", _world.Repository, "--latest", .. _world.Qdrant]);

        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("docs/collection.snapshot", verify.Stdout);
        Assert.Equal(1, restore.ExitCode);
        Assert.Contains("docs/collection.snapshot", restore.Stderr);
        Assert.Contains("refusing to restore", restore.Stderr);
        Assert.False(await _world.ExistsAsync("docs"));
    }

    [Fact]
    public async Task Restore_onto_an_existing_collection_without_replace_leaves_it_untouched()
    {
        await _world.SeedAsync("docs", points: 300);
        await BackupAsync("docs");
        await _world.DeleteCollectionAsync("docs");
        await _world.SeedAsync("docs", points: 77);

        var run = await Vectordr.RunAsync(["restore", _world.Repository, "--latest", .. _world.Qdrant, "--json"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("collection 'docs' already exists", run.Stderr);
        Assert.Contains("--on-existing replace", run.Stderr);
        Assert.Equal(77, await _world.CountAsync("docs"));
    }

    [Fact]
    public async Task A_snapshot_incompatible_with_the_existing_collection_is_refused_and_it_stays_untouched()
    {
        await _world.SeedAsync("docs", points: 300, dimensions: 16);
        await BackupAsync("docs");
        await _world.DeleteCollectionAsync("docs");
        await _world.SeedAsync("docs", points: 10, dimensions: 8);

        var run = await Vectordr.RunAsync(["restore", _world.Repository, "--latest", .. _world.Qdrant, "--on-existing", "replace"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("incompatible", run.Stderr);
        Assert.Contains("params.vectors", run.Stderr);
        Assert.Equal(10, await _world.CountAsync("docs"));
    }

    [Fact]
    public async Task A_download_cut_mid_stream_is_resumed_and_the_backup_is_intact()
    {
        await _world.SeedAsync("docs", points: 3000, dimensions: 64);
        _world.Emulator.Faults.CutStreamsAfterBytes(256 * 1024, count: 3);

        // Snapshot mode: a stored snapshot file can be resumed with Range requests.
        var backup = await Vectordr.RunAsync(["backup", .. _world.Qdrant, "-c", "docs", "--to", _world.Repository, "--mode", "snapshot", "--json"]);
        _world.Emulator.Faults.Clear();

        Assert.True(backup.ExitCode == 0, backup.ToString());
        Assert.Equal(0, (await Vectordr.RunAsync("verify", _world.Repository, "--latest")).ExitCode);
        await _world.DeleteCollectionAsync("docs");
        var restore = await Vectordr.RunAsync(["restore", _world.Repository, "--latest", .. _world.Qdrant]);
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Equal(3000, await _world.CountAsync("docs"));
    }

    [Fact]
    public async Task Bad_usage_exits_2_with_a_message()
    {
        var noTarget = await Vectordr.RunAsync("backup", "--qdrant", "http://127.0.0.1:1", "-c", "x");
        var both = await Vectordr.RunAsync("restore", _world.Repository, "--latest", "--id", "x", "--qdrant", "http://127.0.0.1:1");
        var badTime = await Vectordr.RunAsync("restore", _world.Repository, "--at", "yesterday", "--qdrant", "http://127.0.0.1:1");
        var keyInUrl = await Vectordr.RunAsync("backup", "--qdrant", "http://user:secret@127.0.0.1:1", "--all", "--to", _world.Repository);

        Assert.Equal(2, noTarget.ExitCode);
        Assert.Contains("--to", noTarget.Stderr);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("exactly one of --id, --latest or --at", both.Stderr);
        Assert.Equal(2, badTime.ExitCode);
        Assert.Contains("RFC 3339", badTime.Stderr);
        Assert.Equal(2, keyInUrl.ExitCode);
        Assert.DoesNotContain("secret", keyInUrl.Stderr);
    }

    [Fact]
    public async Task Missing_api_key_file_is_named()
    {
        var run = await Vectordr.RunAsync("backup", "--qdrant", _world.Url, "--api-key-file", "/nonexistent/key", "--all", "--to", _world.Repository);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("/nonexistent/key", run.Stderr);
    }

    [Fact]
    public async Task Restoring_a_collection_the_backup_does_not_hold_lists_what_it_holds()
    {
        await _world.SeedAsync("docs");
        await BackupAsync("docs");
        var run = await Vectordr.RunAsync(["restore", _world.Repository, "--latest", .. _world.Qdrant, "-c", "other"]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("has no collection 'other'; it holds: docs", run.Stderr);
    }
}
