using VectorDR.Testing;

namespace VectorDR.QdrantEmulator.Tests;

/// <summary>
/// Every emulated endpoint, called on a missing collection: each must be a path of the 1.19 spec and answer an
/// error body that validates against the spec (QdrantHttp checks every JSON response). The success bodies are
/// covered by the behaviour tests, which run through the same checking client.
/// </summary>
public sealed class ContractSweepTests(EmulatorFixture fixture) : IClassFixture<EmulatorFixture>
{
    public static TheoryData<string, string, string?> MissingCollectionCalls => new()
    {
        { "GET", "/collections/ghost", null },
        { "PATCH", "/collections/ghost", "{}" },
        { "GET", "/collections/ghost/aliases", null },
        { "GET", "/collections/ghost/cluster", null },
        { "PUT", "/collections/ghost/index", """{"field_name":"a","field_schema":"keyword"}""" },
        { "DELETE", "/collections/ghost/index/a", null },
        { "PUT", "/collections/ghost/points", """{"points":[]}""" },
        { "POST", "/collections/ghost/points", """{"ids":[1]}""" },
        { "GET", "/collections/ghost/points/1", null },
        { "POST", "/collections/ghost/points/delete", """{"points":[1]}""" },
        { "POST", "/collections/ghost/points/count", "{}" },
        { "POST", "/collections/ghost/points/scroll", "{}" },
        { "POST", "/collections/ghost/points/query", "{}" },
        { "POST", "/collections/ghost/snapshots", null },
        { "GET", "/collections/ghost/snapshots", null },
        { "GET", "/collections/ghost/snapshots/a.snapshot", null },
        { "DELETE", "/collections/ghost/snapshots/a.snapshot", null },
        { "POST", "/collections/ghost/shards/0/snapshots", null },
        { "GET", "/collections/ghost/shards/0/snapshots", null },
        { "GET", "/collections/ghost/shards/0/snapshots/a.snapshot", null },
        { "DELETE", "/collections/ghost/shards/0/snapshots/a.snapshot", null },
        { "GET", "/collections/ghost/shards/0/snapshot", null },
        { "PUT", "/collections/ghost/shards/0/snapshots/recover", """{"location":"a.snapshot"}""" },
    };

    [Theory]
    [MemberData(nameof(MissingCollectionCalls))]
    public async Task Missing_collection_errors_follow_the_contract(string method, string path, string? body)
    {
        Assert.NotNull(OpenApiContract.Qdrant.FindPathTemplate(method, path));
        var response = await fixture.Http.SendAsync(new HttpMethod(method), path, body);
        Assert.Equal(404, response.Code);
        Assert.Equal("Not found: Collection `ghost` doesn't exist!", response.Error);
    }

    [Fact]
    public async Task Patch_collection_is_accepted()
    {
        await fixture.Host.SeedCollectionAsync("patched", 1, 2);
        var response = await fixture.Http.SendAsync(HttpMethod.Patch, "/collections/patched", """{"optimizers_config":{"indexing_threshold":100}}""");
        Assert.True(response.Result!.GetValue<bool>());
    }

    [Fact]
    public void Every_emulated_qdrant_route_is_in_the_spec()
    {
        string[] routes =
        [
            "GET /", "GET /healthz", "GET /readyz", "GET /livez", "GET /cluster", "GET /collections", "GET /aliases",
            "POST /collections/aliases", "GET /collections/c/exists", "PUT /collections/c", "DELETE /collections/c",
            "POST /collections/c/snapshots/upload", "PUT /collections/c/snapshots/recover",
            "POST /collections/c/shards/0/snapshots/upload",
        ];
        Assert.All(routes, r => Assert.NotNull(OpenApiContract.Qdrant.FindPathTemplate(r.Split(' ')[0], r.Split(' ')[1])));
    }
}
