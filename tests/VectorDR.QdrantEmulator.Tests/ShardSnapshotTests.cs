using System.Net;
using System.Text.Json.Nodes;

namespace VectorDR.QdrantEmulator.Tests;

public sealed class ShardSnapshotTests(EmulatorFixture fixture) : IClassFixture<EmulatorFixture>, IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("qemu-shard-").FullName;

    private QdrantHttp Http => fixture.Http;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private async Task<string> SeedAsync(int points = 90, int shards = 3)
    {
        var name = Names.Unique("sh");
        await fixture.Host.SeedCollectionAsync(name, points, 4, shards: shards);
        return name;
    }

    private static IEnumerable<string> AllFiles(string root) =>
        Directory.Exists(root) ? Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToList() : [];

    [Fact]
    public async Task Create_list_download_delete_per_shard()
    {
        var name = await SeedAsync();
        var created = await Http.PostAsync($"/collections/{name}/shards/1/snapshots");
        Assert.Equal(HttpStatusCode.OK, created.Status);
        var file = created.Result!["name"]!.GetValue<string>();
        Assert.Matches($@"^{name}-shard-1-\d{{4}}-\d{{2}}-\d{{2}}-\d{{2}}-\d{{2}}-\d{{2}}\.snapshot$", file);
        var onDisk = Path.Combine(fixture.Host.SnapshotsDirectory, name, "shards", "1", file);
        Assert.True(File.Exists(onDisk));
        Assert.True(File.Exists(onDisk + ".checksum"));

        Assert.Single((await Http.GetAsync($"/collections/{name}/shards/1/snapshots")).Result!.AsArray());
        Assert.Empty((await Http.GetAsync($"/collections/{name}/shards/0/snapshots")).Result!.AsArray());
        // Shard snapshots are not collection snapshots.
        Assert.Empty((await Http.GetAsync($"/collections/{name}/snapshots")).Result!.AsArray());

        var local = await Http.DownloadToFileAsync($"/collections/{name}/shards/1/snapshots/{file}", Path.Combine(_scratch, file));
        var entries = TarContents.Read(local);
        Assert.Contains("replica_state.json", entries.Keys);
        Assert.Contains("shard_config.json", entries.Keys);
        Assert.Contains("segments/segment-000000.bin", entries.Keys);

        Assert.True((await Http.DeleteAsync($"/collections/{name}/shards/1/snapshots/{file}")).Result!.GetValue<bool>());
        Assert.False(File.Exists(onDisk + ".checksum"));
    }

    [Fact]
    public async Task Unknown_shard_is_404()
    {
        var name = await SeedAsync(shards: 2);
        var response = await Http.PostAsync($"/collections/{name}/shards/7/snapshots");
        Assert.Equal(404, response.Code);
        Assert.Equal(404, (await Http.GetAsync($"/collections/{name}/shards/7/snapshot")).Code);
    }

    [Fact]
    public async Task Streaming_snapshot_is_chunked_without_length_and_writes_no_file()
    {
        var name = await SeedAsync(points: 600, shards: 2);
        var before = AllFiles(fixture.Host.SnapshotsDirectory).ToHashSet();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/collections/{name}/shards/0/snapshot");
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 99); // ignored: no Range support
        using var response = await Http.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.TransferEncodingChunked);
        Assert.Null(response.Content.Headers.ContentLength);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Matches($@"^""?{name}-shard-0-\d{{4}}-\d{{2}}-\d{{2}}-\d{{2}}-\d{{2}}-\d{{2}}\.snapshot""?$", response.Content.Headers.ContentDisposition.FileName);
        var path = Path.Combine(_scratch, "streamed.snapshot");
        await using (var file = File.Create(path))
        {
            await response.Content.CopyToAsync(file);
        }

        Assert.Equal(before, AllFiles(fixture.Host.SnapshotsDirectory).ToHashSet());
        var entries = TarContents.Read(path);
        Assert.Equal(3, entries.Keys.Count(k => k.StartsWith("segments/segment-", StringComparison.Ordinal))); // 300 points / 100
    }

    [Fact]
    public async Task Streamed_and_stored_shard_snapshots_are_identical_for_unchanged_data()
    {
        var name = await SeedAsync(points: 150, shards: 2);
        var stored = (await Http.PostAsync($"/collections/{name}/shards/1/snapshots")).Result!;
        var streamed = await Http.DownloadToFileAsync($"/collections/{name}/shards/1/snapshot", Path.Combine(_scratch, "s.snapshot"));
        var onDisk = Path.Combine(fixture.Host.SnapshotsDirectory, name, "shards", "1", stored["name"]!.GetValue<string>());
        Assert.Equal(await File.ReadAllBytesAsync(onDisk), await File.ReadAllBytesAsync(streamed));
    }

    [Fact]
    public async Task Recover_shard_from_bare_name_restores_only_that_shard()
    {
        var name = await SeedAsync(points: 90, shards: 3);
        var snapshot = (await Http.PostAsync($"/collections/{name}/shards/2/snapshots")).Result!["name"]!.GetValue<string>();
        await Http.PostAsync($"/collections/{name}/points/delete?wait=true", new { points = Enumerable.Range(0, 90).ToArray() });
        Assert.Equal(0, (await Http.PostAsync($"/collections/{name}/points/count", new { })).Result!["count"]!.GetValue<int>());

        var recovered = await Http.PutAsync($"/collections/{name}/shards/2/snapshots/recover", new { location = snapshot });
        Assert.Equal(HttpStatusCode.OK, recovered.Status);
        var cluster = (await Http.GetAsync($"/collections/{name}/cluster")).Result!["local_shards"]!.AsArray();
        Assert.Equal([0, 0, 30], cluster.Select(s => s!["points_count"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Recover_shard_rejects_file_urls_unknown_names_and_missing_collections()
    {
        var name = await SeedAsync(shards: 2);
        var file = await Http.PutAsync($"/collections/{name}/shards/0/snapshots/recover", new { location = "file:///tmp/x.snapshot" });
        Assert.Equal(400, file.Code);
        Assert.Contains("URLs with file scheme are not supported", file.Error);

        var unknown = await Http.PutAsync($"/collections/{name}/shards/0/snapshots/recover", new { location = "nothing.snapshot" });
        Assert.Equal(404, unknown.Code);

        var collection = await Http.PutAsync("/collections/not-there/shards/0/snapshots/recover", new { location = "x.snapshot" });
        Assert.Equal(404, collection.Code);
    }

    [Fact]
    public async Task Recover_shard_from_url_and_upload_into_another_collection()
    {
        var source = await SeedAsync(points: 60, shards: 2);
        var target = Names.Unique("tgt");
        await Http.PutAsync($"/collections/{target}", new { vectors = new { size = 4, distance = "Cosine" }, shard_number = 2 });

        var url = new Uri(fixture.Host.BaseAddress, $"collections/{source}/shards/0/snapshot").AbsoluteUri;
        var fromUrl = await Http.PutAsync($"/collections/{target}/shards/0/snapshots/recover", new { location = url });
        Assert.Equal(HttpStatusCode.OK, fromUrl.Status);

        var file = await Http.DownloadToFileAsync($"/collections/{source}/shards/1/snapshot", Path.Combine(_scratch, "one.snapshot"));
        var uploaded = await Http.UploadAsync($"/collections/{target}/shards/1/snapshots/upload?priority=snapshot", file);
        Assert.Equal(HttpStatusCode.OK, uploaded.Status);

        var original = await Http.PostAsync($"/collections/{source}/points/scroll", new { limit = 100, with_vector = true });
        var copy = await Http.PostAsync($"/collections/{target}/points/scroll", new { limit = 100, with_vector = true });
        Assert.Equal(original.Result!.ToJsonString(), copy.Result!.ToJsonString());
    }

    [Fact]
    public async Task Shard_upload_of_a_collection_snapshot_or_junk_is_400_and_leaves_the_shard_alone()
    {
        var name = await SeedAsync(points: 20, shards: 1);
        var collectionSnapshot = (await Http.PostAsync($"/collections/{name}/snapshots")).Result!["name"]!.GetValue<string>();
        var file = await Http.DownloadToFileAsync($"/collections/{name}/snapshots/{collectionSnapshot}", Path.Combine(_scratch, "c.snapshot"));
        var wrongKind = await Http.UploadAsync($"/collections/{name}/shards/0/snapshots/upload", file);
        Assert.Equal(400, wrongKind.Code);

        var junk = Path.Combine(_scratch, "junk.snapshot");
        await File.WriteAllTextAsync(junk, "definitely not a tar archive");
        Assert.Equal(400, (await Http.UploadAsync($"/collections/{name}/shards/0/snapshots/upload", junk)).Code);
        Assert.Equal(20, (await Http.PostAsync($"/collections/{name}/points/count", new { })).Result!["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Shard_upload_to_a_missing_shard_is_404()
    {
        var source = await SeedAsync(points: 10, shards: 1);
        var file = await Http.DownloadToFileAsync($"/collections/{source}/shards/0/snapshot", Path.Combine(_scratch, "x.snapshot"));
        var response = await Http.UploadAsync($"/collections/{source}/shards/5/snapshots/upload", file);
        Assert.Equal(404, response.Code);
    }

    [Fact]
    public async Task Old_server_version_has_no_streaming_endpoint()
    {
        await using var old = await QdrantEmulatorHost.StartAsync(new QdrantEmulatorOptions { Version = "1.11.0" });
        using var http = new QdrantHttp(old.BaseAddress);
        await old.SeedCollectionAsync("c", 5, 4);
        Assert.Equal("1.11.0", (await http.GetAsync("/")).Json["version"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/collections/c/shards/0/snapshot")).Status);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/collections/c/shards/0/snapshots")).Status);
    }
}
