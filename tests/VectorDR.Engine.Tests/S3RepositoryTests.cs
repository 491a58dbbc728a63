using System.Text;
using Amazon.S3.Model;
using VectorDR.Engine.Tests.Support;

namespace VectorDR.Engine.Tests;

/// <summary>The data path against a real S3 server (Ceph RGW): backup, restore by pre-signed URL, copy, prune, locks.</summary>
public sealed class S3RepositoryTests : IAsyncLifetime
{
    private QdrantWorld _world = null!;
    private S3Buckets _s3 = null!;

    public async Task InitializeAsync() => _world = await QdrantWorld.StartAsync();

    public async Task DisposeAsync()
    {
        await _world.DisposeAsync();
        if (_s3 is not null) await _s3.DisposeAsync();
    }

    private async Task<string> BackupAsync(string location, params string[] extra)
    {
        var run = await Vectordr.RunAsync(["backup", .. _world.Qdrant, "-c", "docs", "--to", location, "--json", .. extra]);
        Assert.True(run.ExitCode == 0, run.ToString());
        return run.Json.GetProperty("backup").GetProperty("backupId").GetString()!;
    }

    [S3Fact]
    public async Task A_sharded_backup_in_a_bucket_restores_through_a_pre_signed_url_and_by_stream()
    {
        _s3 = new S3Buckets();
        var (bucket, location) = await _s3.CreateAsync();
        await _world.SeedAsync("docs", points: 2500, dimensions: 32, shards: 2);

        var id = await BackupAsync(location);
        var keys = await _s3.KeysAsync(bucket);
        Assert.Contains($"qdrant/backups/{id}/manifest.json", keys);
        Assert.Contains($"qdrant/backups/{id}/docs/shard-1.snapshot", keys);
        Assert.DoesNotContain(_s3.Settings.SecretKey, await new StreamReader(
            (await _s3.Client.GetObjectAsync(bucket, $"qdrant/backups/{id}/manifest.json")).ResponseStream).ReadToEndAsync());

        await _world.DeleteCollectionAsync("docs");
        var byUrl = await Vectordr.RunAsync(["restore", location, "--latest", .. _world.Qdrant, "--via", "url", "--json"]);
        Assert.True(byUrl.ExitCode == 0, byUrl.ToString());
        Assert.Contains("pre-signed URL", byUrl.Stderr);
        Assert.Equal(2500, await _world.CountAsync("docs"));

        var byStream = await Vectordr.RunAsync(["restore", location, "--latest", .. _world.Qdrant, "-c", "docs:docs-2", "--via", "stream"]);
        Assert.True(byStream.ExitCode == 0, byStream.ToString());
        Assert.Equal(2500, await _world.CountAsync("docs-2"));
    }

    [S3Fact]
    public async Task Copy_between_buckets_of_one_endpoint_is_server_side_and_a_part_corrupted_there_is_named_by_verify()
    {
        _s3 = new S3Buckets();
        var (_, primary) = await _s3.CreateAsync();
        var (standbyBucket, standby) = await _s3.CreateAsync("standby");
        await _world.SeedAsync("docs", points: 1500, dimensions: 16, shards: 2);
        var id = await BackupAsync(primary);

        var copy = await Vectordr.RunAsync("copy", primary, "--to", standby, "--id", id, "--json");
        Assert.True(copy.ExitCode == 0, copy.ToString());
        var result = copy.Json.GetProperty("backups")[0];
        Assert.Equal(2, result.GetProperty("partsServerSide").GetInt32());
        Assert.Equal(0, result.GetProperty("partsStreamed").GetInt32());
        Assert.Equal(0, (await Vectordr.RunAsync("verify", standby, "--id", id)).ExitCode);

        // Damage the standby copy behind VectorDR's back.
        await _s3.Client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = standbyBucket, Key = $"standby/backups/{id}/docs/shard-1.snapshot",
            InputStream = new MemoryStream(Encoding.UTF8.GetBytes("not a snapshot")),
        });
        var verify = await Vectordr.RunAsync("verify", standby, "--id", id);
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("docs/shard-1.snapshot", verify.Stdout);
    }

    [S3Fact]
    public async Task Copy_from_a_directory_to_a_bucket_streams_and_verifies_at_the_destination()
    {
        _s3 = new S3Buckets();
        var (_, standby) = await _s3.CreateAsync();
        await _world.SeedAsync("docs", points: 900);
        var id = await BackupAsync(_world.Repository);

        var copy = await Vectordr.RunAsync("copy", _world.Repository, "--to", standby, "--all", "--json");

        Assert.True(copy.ExitCode == 0, copy.ToString());
        Assert.Equal(1, copy.Json.GetProperty("backups")[0].GetProperty("partsStreamed").GetInt32());
        Assert.Equal(id, (await Vectordr.RunAsync("list", standby, "--json")).Json.GetProperty("backups")[0].GetProperty("id").GetString());
    }

    [S3Fact]
    public async Task Locked_backups_are_kept_by_prune_without_failing_the_run()
    {
        _s3 = new S3Buckets();
        var (_, location) = await _s3.CreateAsync(objectLock: true);
        await _world.SeedAsync("docs", points: 300);
        var old = await BackupAsync(location, "--lock-mode", "compliance", "--lock-days", "1");
        var newest = await BackupAsync(location);

        var prune = await Vectordr.RunAsync("prune", location, "--keep-last", "1", "--json");

        Assert.True(prune.ExitCode == 0, prune.ToString());
        var entries = prune.Json.GetProperty("backups").EnumerateArray().ToDictionary(e => e.GetProperty("backupId").GetString()!);
        Assert.Equal("locked", entries[old].GetProperty("action").GetString());
        Assert.Equal("keep", entries[newest].GetProperty("action").GetString());
        Assert.Equal(2, (await Vectordr.RunAsync("list", location, "--json")).Json.GetProperty("backups").GetArrayLength());
        Assert.Equal(0, (await Vectordr.RunAsync("verify", location, "--id", old)).ExitCode);
    }

    [S3Fact]
    public async Task Asking_for_a_lock_on_a_bucket_without_object_lock_is_refused_clearly_and_leaves_no_backup()
    {
        _s3 = new S3Buckets();
        var (bucket, location) = await _s3.CreateAsync();
        await _world.SeedAsync("docs", points: 300);

        var run = await Vectordr.RunAsync(["backup", .. _world.Qdrant, "-c", "docs", "--to", location, "--lock-mode", "governance", "--lock-days", "3"]);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("Object Lock", run.Stderr);
        Assert.DoesNotContain(await _s3.KeysAsync(bucket), k => k.EndsWith("manifest.json", StringComparison.Ordinal));
    }

    [S3Fact]
    public async Task Gc_removes_orphaned_parts_and_aborts_stale_multipart_uploads_in_a_bucket()
    {
        _s3 = new S3Buckets();
        var (bucket, location) = await _s3.CreateAsync();
        await _world.SeedAsync("docs", points: 300);
        var kept = await BackupAsync(location);
        // What a killed backup leaves in a bucket: a part without a manifest, and an unfinished multipart upload.
        await _s3.Client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket, Key = "qdrant/backups/20200101T000000Z-aaaaaa/docs/shard-0.snapshot",
            InputStream = new MemoryStream(new byte[2048]),
        });
        await _s3.Client.InitiateMultipartUploadAsync(bucket, "qdrant/backups/20200101T000000Z-bbbbbb/docs/shard-0.snapshot");

        var dry = await Vectordr.RunAsync("gc", location, "--grace", "0s", "--json");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Equal(1, dry.Json.GetProperty("orphans").GetArrayLength());
        Assert.Equal(1, dry.Json.GetProperty("staleUploads").GetArrayLength());

        var apply = await Vectordr.RunAsync("gc", location, "--grace", "0s", "--apply", "--json");
        Assert.True(apply.ExitCode == 0, apply.ToString());
        Assert.Equal(1, apply.Json.GetProperty("staleUploadsAborted").GetInt32());
        Assert.DoesNotContain(await _s3.KeysAsync(bucket), k => k.Contains("20200101T000000Z-aaaaaa", StringComparison.Ordinal));
        var uploads = await _s3.Client.ListMultipartUploadsAsync(bucket);
        Assert.Empty(uploads.MultipartUploads ?? []);
        Assert.Equal(0, (await Vectordr.RunAsync("verify", location, "--id", kept)).ExitCode);
    }
}
