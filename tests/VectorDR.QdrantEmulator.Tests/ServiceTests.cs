using System.Net;

namespace VectorDR.QdrantEmulator.Tests;

public sealed class ServiceTests(EmulatorFixture fixture) : IClassFixture<EmulatorFixture>
{
    private QdrantHttp Http => fixture.Http;

    [Fact]
    public async Task Root_is_not_enveloped()
    {
        var response = await Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("qdrant - vector search engine", response.Json["title"]!.GetValue<string>());
        Assert.Equal("1.19.0", response.Json["version"]!.GetValue<string>());
        Assert.Null(response.Json["status"]);
    }

    [Theory]
    [InlineData("/healthz", "healthz check passed")]
    [InlineData("/livez", "healthz check passed")]
    [InlineData("/readyz", "all shards are ready")]
    public async Task Probes_answer_plain_text(string path, string text)
    {
        var response = await Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(text, response.Body);
        Assert.Equal("text/plain", response.Message.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Cluster_is_disabled_on_a_standalone_node()
    {
        var response = await Http.GetAsync("/cluster");
        Assert.Equal("ok", response.Json["status"]!.GetValue<string>());
        Assert.Equal("disabled", response.Result!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Collection_cluster_lists_every_shard_as_local_and_active()
    {
        var name = Names.Unique("cluster");
        await fixture.Host.SeedCollectionAsync(name, 300, 4, shards: 3);
        var result = (await Http.GetAsync($"/collections/{name}/cluster")).Result!;
        Assert.Equal(fixture.Host.PeerId, result["peer_id"]!.GetValue<ulong>());
        Assert.Equal(3, result["shard_count"]!.GetValue<int>());
        var shards = result["local_shards"]!.AsArray();
        Assert.Equal([0, 1, 2], shards.Select(s => s!["shard_id"]!.GetValue<int>()));
        Assert.All(shards, s => Assert.Equal("Active", s!["state"]!.GetValue<string>()));
        Assert.Equal(300, shards.Sum(s => s!["points_count"]!.GetValue<int>()));
        Assert.All(shards, s => Assert.Equal(100, s!["points_count"]!.GetValue<int>()));
        Assert.Empty(result["remote_shards"]!.AsArray());
    }

    [Fact]
    public async Task Unknown_collection_is_404_with_qdrant_wording()
    {
        var response = await Http.GetAsync("/collections/missing-one/cluster");
        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal("Not found: Collection `missing-one` doesn't exist!", response.Error);
    }

    [Fact]
    public async Task Trailing_slashes_are_trimmed()
    {
        var response = await Http.GetAsync("/collections/");
        Assert.Equal(HttpStatusCode.OK, response.Status);
    }

    [Fact]
    public async Task Telemetry_counts_snapshot_creations_per_collection()
    {
        var name = Names.Unique("tele");
        await fixture.Host.SeedCollectionAsync(name, 10, 4);
        await Http.PostAsync($"/collections/{name}/snapshots?wait=false");
        await fixture.Host.WhenBackgroundIdleAsync();
        await Http.PostAsync($"/collections/{name}/shards/0/snapshots");
        var telemetry = (await Http.GetAsync("/telemetry")).Result!;
        Assert.Equal("1.19.0", telemetry["app"]!["version"]!.GetValue<string>());
        var entry = telemetry["collections"]!["snapshots"]!.AsArray().Single(s => s!["id"]!.GetValue<string>() == name)!;
        Assert.Equal(2, entry["total_snapshot_creations"]!.GetValue<int>());
        Assert.Equal(0, entry["running_snapshots"]!.GetValue<int>());
        Assert.Equal(0, entry["running_snapshot_recovery"]!.GetValue<int>());
    }
}
