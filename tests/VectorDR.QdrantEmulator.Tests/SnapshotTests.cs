using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace VectorDR.QdrantEmulator.Tests;

public sealed partial class SnapshotTests(EmulatorFixture fixture) : IClassFixture<EmulatorFixture>, IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("qemu-test-").FullName;

    private QdrantHttp Http => fixture.Http;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private async Task<(string Collection, JsonNode Snapshot)> SnapshotOfNewCollectionAsync(int points = 250, int shards = 1)
    {
        var name = Names.Unique("snap");
        await fixture.Host.SeedCollectionAsync(name, points, 8, shards: shards);
        var created = await Http.PostAsync($"/collections/{name}/snapshots");
        Assert.Equal(HttpStatusCode.OK, created.Status);
        return (name, created.Result!);
    }

    private async Task<string> DownloadAsync(string collection, string snapshot) =>
        await Http.DownloadToFileAsync($"/collections/{collection}/snapshots/{snapshot}", Path.Combine(_scratch, $"{Guid.NewGuid():N}.snapshot"));

    [GeneratedRegex(@"^(?<c>.+)-(?<peer>\d+)-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.snapshot$")]
    private static partial Regex SnapshotName();

    [Fact]
    public async Task Create_lists_with_checksum_and_naive_utc_time_and_sidecar_on_disk()
    {
        var (name, snapshot) = await SnapshotOfNewCollectionAsync();
        var file = snapshot["name"]!.GetValue<string>();
        var match = SnapshotName().Match(file);
        Assert.True(match.Success, file);
        Assert.Equal(name, match.Groups["c"].Value);
        Assert.Equal(fixture.Host.PeerId.ToString(), match.Groups["peer"].Value);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$", snapshot["creation_time"]!.GetValue<string>());

        var path = Path.Combine(fixture.Host.SnapshotsDirectory, name, file);
        Assert.True(File.Exists(path));
        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
        Assert.Equal(sha, snapshot["checksum"]!.GetValue<string>());
        Assert.Equal(sha, File.ReadAllText(path + ".checksum"));
        Assert.Equal(new FileInfo(path).Length, snapshot["size"]!.GetValue<long>());

        var listed = (await Http.GetAsync($"/collections/{name}/snapshots")).Result!.AsArray();
        var entry = Assert.Single(listed);
        Assert.Equal(file, entry!["name"]!.GetValue<string>());
        Assert.Equal(sha, entry["checksum"]!.GetValue<string>());
    }

    [Fact]
    public async Task Tar_has_qdrant_top_level_shape_and_fixed_size_segments()
    {
        var (name, snapshot) = await SnapshotOfNewCollectionAsync(points: 250, shards: 2);
        var entries = TarContents.Read(await DownloadAsync(name, snapshot["name"]!.GetValue<string>()));
        Assert.Equal("1.19.0", System.Text.Encoding.UTF8.GetString(entries["version.info"]));
        var config = JsonNode.Parse(entries["config.json"])!;
        Assert.Equal(8, config["params"]!["vectors"]!["size"]!.GetValue<int>());
        Assert.Equal(2, config["params"]!["shard_number"]!.GetValue<int>());
        Assert.NotNull(config["uuid"]);
        Assert.NotNull(JsonNode.Parse(entries["payload_index.json"])!["schema"]);
        foreach (var shard in new[] { "0", "1" })
        {
            Assert.True(JsonNode.Parse(entries[$"{shard}/replica_state.json"])!["is_local"]!.GetValue<bool>());
            Assert.Equal("ReplicaSet", JsonNode.Parse(entries[$"{shard}/shard_config.json"])!["type"]!.GetValue<string>());
        }

        // 125 points per shard, 100 points per segment (fixture setting) → two segments per shard.
        Assert.Equal(4, entries.Keys.Count(k => k.Contains("/segments/segment-", StringComparison.Ordinal)));
        Assert.Contains("0/segments/segment-000001.bin", entries.Keys);
    }

    [Fact]
    public async Task Two_snapshots_of_an_unchanged_collection_have_identical_segment_bytes()
    {
        var (name, first) = await SnapshotOfNewCollectionAsync(points: 300, shards: 2);
        var second = (await Http.PostAsync($"/collections/{name}/snapshots")).Result!;
        Assert.NotEqual(first["name"]!.GetValue<string>(), second["name"]!.GetValue<string>()); // same second → next second
        var a = TarContents.Read(await DownloadAsync(name, first["name"]!.GetValue<string>()));
        var b = TarContents.Read(await DownloadAsync(name, second["name"]!.GetValue<string>()));
        var segments = a.Keys.Where(k => k.Contains("/segments/", StringComparison.Ordinal) && a[k].Length > 0).ToList();
        Assert.NotEmpty(segments);
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        Assert.All(segments, k => Assert.Equal(a[k], b[k]));
        // The whole archive is deterministic too (fixed tar mtimes, stable config).
        Assert.Equal(first["checksum"]!.GetValue<string>(), second["checksum"]!.GetValue<string>());

        await Http.PutAsync($"/collections/{name}/points?wait=true", """{"points":[{"id":0,"vector":[1,2,3,4,5,6,7,8]}]}""");
        var third = (await Http.PostAsync($"/collections/{name}/snapshots")).Result!;
        Assert.NotEqual(first["checksum"]!.GetValue<string>(), third["checksum"]!.GetValue<string>());
    }

    [Fact]
    public async Task Download_supports_content_length_and_range()
    {
        var (name, snapshot) = await SnapshotOfNewCollectionAsync();
        var url = $"/collections/{name}/snapshots/{snapshot["name"]!.GetValue<string>()}";
        var path = Path.Combine(fixture.Host.SnapshotsDirectory, name, snapshot["name"]!.GetValue<string>());
        var bytes = File.ReadAllBytes(path);

        using var full = await Http.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        Assert.Equal(bytes.Length, full.Content.Headers.ContentLength);
        Assert.Equal("application/octet-stream", full.Content.Headers.ContentType!.MediaType);
        Assert.Equal(bytes, await full.Content.ReadAsByteArrayAsync());
        Assert.Equal("bytes", full.Headers.AcceptRanges.Single());

        using var rangeRequest = new HttpRequestMessage(HttpMethod.Get, url);
        rangeRequest.Headers.Range = new RangeHeaderValue(1000, 1999);
        using var partial = await Http.Client.SendAsync(rangeRequest);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(1000, partial.Content.Headers.ContentLength);
        Assert.Equal(1000, partial.Content.Headers.ContentRange!.From);
        Assert.Equal(bytes.AsSpan(1000, 1000).ToArray(), await partial.Content.ReadAsByteArrayAsync());

        using var resume = new HttpRequestMessage(HttpMethod.Get, url);
        resume.Headers.Range = new RangeHeaderValue(bytes.Length - 10, null);
        using var tail = await Http.Client.SendAsync(resume);
        Assert.Equal(HttpStatusCode.PartialContent, tail.StatusCode);
        Assert.Equal(bytes[^10..], await tail.Content.ReadAsByteArrayAsync());

        using var beyond = new HttpRequestMessage(HttpMethod.Get, url);
        beyond.Headers.Range = new RangeHeaderValue(bytes.Length + 10, null);
        using var unsatisfiable = await Http.Client.SendAsync(beyond);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, unsatisfiable.StatusCode);
    }

    [Fact]
    public async Task Delete_removes_file_and_checksum_sidecar()
    {
        var (name, snapshot) = await SnapshotOfNewCollectionAsync();
        var file = snapshot["name"]!.GetValue<string>();
        var path = Path.Combine(fixture.Host.SnapshotsDirectory, name, file);
        var deleted = await Http.DeleteAsync($"/collections/{name}/snapshots/{file}");
        Assert.True(deleted.Result!.GetValue<bool>());
        Assert.False(File.Exists(path));
        Assert.False(File.Exists(path + ".checksum"));
        Assert.Empty((await Http.GetAsync($"/collections/{name}/snapshots")).Result!.AsArray());

        var again = await Http.DeleteAsync($"/collections/{name}/snapshots/{file}");
        Assert.Equal(404, again.Code);
        Assert.StartsWith($"Not found: Snapshot {file}", again.Error);
    }

    [Theory]
    [InlineData("nope.snapshot")]
    [InlineData("..%2F..%2Fetc%2Fpasswd")]
    [InlineData("config.json")]
    public async Task Unknown_or_unsafe_snapshot_names_are_404(string snapshot)
    {
        var (name, _) = await SnapshotOfNewCollectionAsync(points: 5);
        var response = await Http.GetAsync($"/collections/{name}/snapshots/{snapshot}");
        Assert.Equal(404, response.Code);
        Assert.StartsWith("Not found: Snapshot", response.Error);
    }

    [Fact]
    public async Task Snapshot_endpoints_on_a_missing_collection_are_404()
    {
        Assert.Equal(404, (await Http.PostAsync("/collections/ghost/snapshots")).Code);
        Assert.Equal(404, (await Http.GetAsync("/collections/ghost/snapshots")).Code);
        Assert.Equal(404, (await Http.GetAsync("/collections/ghost/snapshots/x.snapshot")).Code);
    }

    [Fact]
    public async Task Wait_false_answers_202_and_the_snapshot_appears()
    {
        var name = Names.Unique("async");
        await fixture.Host.SeedCollectionAsync(name, 100, 8);
        var accepted = await Http.PostAsync($"/collections/{name}/snapshots?wait=false");
        Assert.Equal(HttpStatusCode.Accepted, accepted.Status);
        Assert.Equal("accepted", accepted.Json["status"]!.GetValue<string>());
        Assert.Null(accepted.Json["result"]);
        await fixture.Host.WhenBackgroundIdleAsync();
        var listed = Assert.Single((await Http.GetAsync($"/collections/{name}/snapshots")).Result!.AsArray());

        var deleted = await Http.DeleteAsync($"/collections/{name}/snapshots/{listed!["name"]!.GetValue<string>()}?wait=false");
        Assert.Equal(HttpStatusCode.Accepted, deleted.Status);
        await fixture.Host.WhenBackgroundIdleAsync();
        Assert.Empty((await Http.GetAsync($"/collections/{name}/snapshots")).Result!.AsArray());
    }

    [Fact]
    public async Task Upload_creates_a_missing_collection_and_the_upload_stays_listed_without_checksum()
    {
        var (source, snapshot) = await SnapshotOfNewCollectionAsync(points: 120, shards: 2);
        await Http.PutAsync($"/collections/{source}/index", new { field_name = "group", field_schema = "keyword" });
        var withIndex = (await Http.PostAsync($"/collections/{source}/snapshots")).Result!;
        var file = await DownloadAsync(source, withIndex["name"]!.GetValue<string>());
        var target = Names.Unique("restored");

        var uploaded = await Http.UploadAsync($"/collections/{target}/snapshots/upload?priority=snapshot&checksum={withIndex["checksum"]}", file, "backup.snapshot");
        Assert.Equal(HttpStatusCode.OK, uploaded.Status);
        Assert.True(uploaded.Result!.GetValue<bool>());

        var info = (await Http.GetAsync($"/collections/{target}")).Result!;
        Assert.Equal(120, info["points_count"]!.GetValue<int>());
        Assert.Equal(2, info["config"]!["params"]!["shard_number"]!.GetValue<int>());
        Assert.Equal("keyword", info["payload_schema"]!["group"]!["data_type"]!.GetValue<string>());
        var original = await Http.PostAsync($"/collections/{source}/points/scroll", new { limit = 200, with_vector = true });
        var restored = await Http.PostAsync($"/collections/{target}/points/scroll", new { limit = 200, with_vector = true });
        Assert.Equal(original.Result!.ToJsonString(), restored.Result!.ToJsonString());

        var listed = Assert.Single((await Http.GetAsync($"/collections/{target}/snapshots")).Result!.AsArray());
        Assert.Equal("backup.snapshot", listed!["name"]!.GetValue<string>());
        Assert.Null(listed["checksum"]);
        _ = snapshot;
    }

    [Fact]
    public async Task Upload_with_wrong_checksum_is_400_in_qdrant_wording_and_malformed_checksum_is_422()
    {
        var (source, snapshot) = await SnapshotOfNewCollectionAsync(points: 10);
        var file = await DownloadAsync(source, snapshot["name"]!.GetValue<string>());
        var wrong = new string('a', 64);
        var mismatch = await Http.UploadAsync($"/collections/{Names.Unique("t")}/snapshots/upload?checksum={wrong}", file);
        Assert.Equal(400, mismatch.Code);
        Assert.Equal($"Checksum mismatch: expected {snapshot["checksum"]}, actual {wrong}", mismatch.Error);

        var malformed = await Http.UploadAsync($"/collections/{Names.Unique("t")}/snapshots/upload?checksum=abc", file);
        Assert.Equal(422, malformed.Code);
        Assert.StartsWith("Validation error in query parameters", malformed.Error);
    }

    [Fact]
    public async Task Upload_onto_an_existing_collection_replaces_its_points_and_wait_false_is_202()
    {
        var (source, snapshot) = await SnapshotOfNewCollectionAsync(points: 30);
        var file = await DownloadAsync(source, snapshot["name"]!.GetValue<string>());
        await Http.PutAsync($"/collections/{source}/points?wait=true", """{"points":[{"id":1000,"vector":[1,1,1,1,1,1,1,1]}]}""");
        Assert.Equal(31, (await Http.PostAsync($"/collections/{source}/points/count", new { })).Result!["count"]!.GetValue<int>());

        var accepted = await Http.UploadAsync($"/collections/{source}/snapshots/upload?wait=false", file);
        Assert.Equal(HttpStatusCode.Accepted, accepted.Status);
        await fixture.Host.WhenBackgroundIdleAsync();
        Assert.Equal(30, (await Http.PostAsync($"/collections/{source}/points/count", new { })).Result!["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Incompatible_snapshot_is_400()
    {
        var (source, snapshot) = await SnapshotOfNewCollectionAsync(points: 10);
        var file = await DownloadAsync(source, snapshot["name"]!.GetValue<string>());
        var other = Names.Unique("other");
        await Http.PutAsync($"/collections/{other}", new { vectors = new { size = 4, distance = "Cosine" } });
        var response = await Http.UploadAsync($"/collections/{other}/snapshots/upload", file);
        Assert.Equal(400, response.Code);
        Assert.StartsWith("Wrong input: Snapshot is not compatible with existing collection: ", response.Error);

        var shards = Names.Unique("shards");
        await Http.PutAsync($"/collections/{shards}", new { vectors = new { size = 8, distance = "Cosine" }, shard_number = 3 });
        var byShards = await Http.UploadAsync($"/collections/{shards}/snapshots/upload", file);
        Assert.Equal(400, byShards.Code);
        Assert.StartsWith("Wrong input: Snapshot is not compatible with existing collection: ", byShards.Error);
    }

    [Fact]
    public async Task Corrupt_snapshot_is_400()
    {
        var junk = Path.Combine(_scratch, "junk.snapshot");
        await File.WriteAllBytesAsync(junk, RandomNumberGenerator.GetBytes(5000));
        var response = await Http.UploadAsync($"/collections/{Names.Unique("junk")}/snapshots/upload", junk);
        Assert.Equal(400, response.Code);
    }

    [Fact]
    public async Task Recover_from_file_inside_the_snapshots_dir_creates_the_collection()
    {
        var (source, snapshot) = await SnapshotOfNewCollectionAsync(points: 40);
        var path = Path.Combine(fixture.Host.SnapshotsDirectory, source, snapshot["name"]!.GetValue<string>());
        var target = Names.Unique("fromfile");
        var response = await Http.PutAsync($"/collections/{target}/snapshots/recover",
            new { location = new Uri(path).AbsoluteUri, checksum = snapshot["checksum"]!.GetValue<string>().ToUpperInvariant() });
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(40, (await Http.PostAsync($"/collections/{target}/points/count", new { })).Result!["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Recover_from_file_outside_the_snapshots_dir_is_403_and_missing_file_is_400()
    {
        var (source, snapshot) = await SnapshotOfNewCollectionAsync(points: 5);
        var outside = await DownloadAsync(source, snapshot["name"]!.GetValue<string>());
        var forbidden = await Http.PutAsync($"/collections/{source}/snapshots/recover", new { location = new Uri(outside).AbsoluteUri });
        Assert.Equal(403, forbidden.Code);
        Assert.StartsWith("Forbidden: Snapshot file path must be inside the snapshots directory", forbidden.Error);

        var traversal = await Http.PutAsync($"/collections/{source}/snapshots/recover",
            new { location = "file://" + fixture.Host.SnapshotsDirectory + "/../../etc/passwd" });
        Assert.Equal(403, traversal.Code);

        var missing = await Http.PutAsync($"/collections/{source}/snapshots/recover",
            new { location = new Uri(Path.Combine(fixture.Host.SnapshotsDirectory, source, "gone.snapshot")).AbsoluteUri });
        Assert.Equal(400, missing.Code);
        Assert.StartsWith("Bad request: Snapshot file", missing.Error);
    }

    [Fact]
    public async Task Recover_checksum_mismatch_and_malformed_and_bad_scheme()
    {
        var (source, snapshot) = await SnapshotOfNewCollectionAsync(points: 5);
        var location = new Uri(Path.Combine(fixture.Host.SnapshotsDirectory, source, snapshot["name"]!.GetValue<string>())).AbsoluteUri;
        var wrong = new string('b', 64);
        var mismatch = await Http.PutAsync($"/collections/{source}/snapshots/recover", new { location, checksum = wrong });
        Assert.Equal(400, mismatch.Code);
        Assert.Equal($"Wrong input: Snapshot checksum mismatch: expected {wrong}, got {snapshot["checksum"]}", mismatch.Error);

        var malformed = await Http.PutAsync($"/collections/{source}/snapshots/recover", new { location, checksum = "xyz" });
        Assert.Equal(422, malformed.Code);

        var s3 = await Http.PutAsync($"/collections/{source}/snapshots/recover", new { location = "s3://bucket/key.snapshot" });
        Assert.Equal(400, s3.Code);
        Assert.Contains("is not supported", s3.Error);

        var badPriority = await Http.PutAsync($"/collections/{source}/snapshots/recover", new { location, priority = "sometimes" });
        Assert.Equal(400, badPriority.Code);
    }

    [Fact]
    public async Task Recover_from_http_url_streams_the_download()
    {
        var (source, snapshot) = await SnapshotOfNewCollectionAsync(points: 60, shards: 2);
        var url = new Uri(fixture.Host.BaseAddress, $"collections/{source}/snapshots/{snapshot["name"]}").AbsoluteUri;
        var target = Names.Unique("fromurl");
        var response = await Http.PutAsync($"/collections/{target}/snapshots/recover", new { location = url, priority = "snapshot" });
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(60, (await Http.PostAsync($"/collections/{target}/points/count", new { })).Result!["count"]!.GetValue<int>());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(fixture.Host.SnapshotsDirectory, "tmp"), "*.download.snapshot"));

        var notFound = await Http.PutAsync($"/collections/{target}/snapshots/recover",
            new { location = new Uri(fixture.Host.BaseAddress, $"collections/{source}/snapshots/none.snapshot").AbsoluteUri });
        Assert.Equal(400, notFound.Code);
    }
}
