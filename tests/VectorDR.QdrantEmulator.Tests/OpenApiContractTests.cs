using VectorDR.Testing;

namespace VectorDR.QdrantEmulator.Tests;

/// <summary>The shared contract validator itself: it must catch violations, not just pass everything.</summary>
public sealed class OpenApiContractTests
{
    private static OpenApiContract Contract => OpenApiContract.Qdrant;

    [Fact]
    public void Finds_the_repo_and_the_shared_openapi_document()
    {
        Assert.True(File.Exists(Path.Combine(RepoPaths.RepoRoot, "Operator.sln")));
        Assert.True(File.Exists(RepoPaths.QdrantOpenApiPath));
    }

    [Fact]
    public void Valid_snapshot_description_passes_and_nullable_checksum_is_accepted()
    {
        const string ok = """{"result":{"name":"a.snapshot","creation_time":"2024-01-03T13:20:11","size":12,"checksum":null},"status":"ok","time":0.1}""";
        Assert.Empty(Contract.ValidateResponse("POST", "/collections/{collection_name}/snapshots", 200, ok));
    }

    [Fact]
    public void Nullable_is_honoured_only_where_declared()
    {
        const string nullTime = """{"result":{"name":"a.snapshot","creation_time":null,"size":1},"status":"ok","time":0}""";
        Assert.Empty(Contract.ValidateResponse("POST", "/collections/{collection_name}/snapshots", 200, nullTime));
        const string nullSize = """{"result":{"name":"a.snapshot","size":null},"status":"ok","time":0}""";
        Assert.NotEmpty(Contract.ValidateResponse("POST", "/collections/{collection_name}/snapshots", 200, nullSize));
    }

    [Fact]
    public void Missing_required_property_and_wrong_type_are_reported()
    {
        const string missingSize = """{"result":{"name":"a.snapshot"},"status":"ok","time":0.1}""";
        Assert.NotEmpty(Contract.ValidateResponse("POST", "/collections/{collection_name}/snapshots", 200, missingSize));
        const string wrongType = """{"result":{"count":"many"},"status":"ok","time":0.1}""";
        Assert.NotEmpty(Contract.ValidateResponse("POST", "/collections/{collection_name}/points/count", 200, wrongType));
    }

    [Fact]
    public void Nested_component_refs_are_resolved()
    {
        const string badState = """{"result":{"peer_id":1,"shard_count":1,"local_shards":[{"shard_id":0,"points_count":1,"state":"Sleeping"}],"remote_shards":[],"shard_transfers":[]},"status":"ok","time":0}""";
        Assert.NotEmpty(Contract.ValidateResponse("GET", "/collections/{collection_name}/cluster", 200, badState));
        Assert.Empty(Contract.ValidateResponse("GET", "/collections/{collection_name}/cluster", 200, badState.Replace("Sleeping", "Active")));
    }

    [Fact]
    public void Error_statuses_fall_back_to_4XX_and_default()
    {
        const string error = """{"status":{"error":"Not found: Collection `x` doesn't exist!"},"time":0.0}""";
        Assert.Empty(Contract.ValidateResponse("GET", "/collections/{collection_name}", 404, error));
        Assert.Empty(Contract.ValidateResponse("GET", "/collections/{collection_name}", 500, error));
        Assert.NotEmpty(Contract.ValidateResponse("GET", "/collections/{collection_name}", 404, """{"status":{"error":42},"time":0}"""));
    }

    [Fact]
    public void Undeclared_operations_and_bodies_are_errors()
    {
        Assert.NotEmpty(Contract.ValidateResponse("GET", "/nope", 200, "{}"));
        Assert.NotEmpty(Contract.ValidateResponse("GET", "/", 404, "{}"));
        Assert.NotEmpty(Contract.ValidateResponse("GET", "/collections", 200, "not json"));
    }

    [Fact]
    public void Request_bodies_are_validated()
    {
        Assert.Empty(Contract.ValidateRequest("PUT", "/collections/{collection_name}/snapshots/recover", """{"location":"http://x/y.snapshot","priority":"snapshot"}"""));
        Assert.NotEmpty(Contract.ValidateRequest("PUT", "/collections/{collection_name}/snapshots/recover", """{"priority":"snapshot"}"""));
        Assert.NotEmpty(Contract.ValidateRequest("PUT", "/collections/{collection_name}/snapshots/recover", """{"location":5}"""));
        Assert.Empty(Contract.ValidateRequest("POST", "/collections/{collection_name}/points/scroll", """{"limit":10,"with_payload":true,"offset":null}"""));
        Assert.NotEmpty(Contract.ValidateRequest("POST", "/collections/{collection_name}/points/scroll", """{"limit":0}"""));
        Assert.NotEmpty(Contract.ValidateRequest("GET", "/collections", "{}"));
    }

    [Fact]
    public void Named_component_schemas_can_be_validated_directly()
    {
        Assert.Empty(Contract.ValidateSchema("ExtendedPointId", "42"));
        Assert.Empty(Contract.ValidateSchema("ExtendedPointId", "\"550e8400-e29b-41d4-a716-446655440000\""));
        Assert.NotEmpty(Contract.ValidateSchema("ExtendedPointId", "-1"));
    }

    [Theory]
    [InlineData("GET", "/collections/abc", "/collections/{collection_name}")]
    [InlineData("POST", "/collections/aliases", "/collections/aliases")]
    [InlineData("GET", "/collections/a/shards/3/snapshot", "/collections/{collection_name}/shards/{shard_id}/snapshot")]
    [InlineData("POST", "/collections/a/points/count?timeout=3", "/collections/{collection_name}/points/count")]
    public void Concrete_paths_map_to_templates(string method, string path, string template) =>
        Assert.Equal(template, Contract.FindPathTemplate(method, path));
}

/// <summary>The DelegatingHandler flavour, as a typed client's tests would use it.</summary>
public sealed class OpenApiContractHandlerTests(EmulatorFixture fixture) : IClassFixture<EmulatorFixture>
{
    private HttpClient Client(OpenApiContractHandler handler) => new(handler) { BaseAddress = fixture.Host.BaseAddress };

    [Fact]
    public async Task Valid_traffic_has_no_violations_and_downloads_pass_through()
    {
        var handler = new OpenApiContractHandler(OpenApiContract.Qdrant) { InnerHandler = new HttpClientHandler() };
        using var http = Client(handler);
        await fixture.Host.SeedCollectionAsync("handler-ok", 10, 4);
        using var created = await http.PostAsync("/collections/handler-ok/snapshots", null);
        var name = System.Text.Json.Nodes.JsonNode.Parse(await created.Content.ReadAsStringAsync())!["result"]!["name"]!.GetValue<string>();
        using var download = await http.GetAsync($"/collections/handler-ok/snapshots/{name}");
        Assert.True((await download.Content.ReadAsByteArrayAsync()).Length > 0);
        using var scroll = await http.PostAsync("/collections/handler-ok/points/scroll",
            new StringContent("""{"limit":5,"with_vector":true}""", System.Text.Encoding.UTF8, "application/json"));
        using var missing = await http.GetAsync("/collections/none-here");
        handler.AssertNoViolations();
    }

    [Fact]
    public async Task Invalid_requests_and_unknown_paths_are_collected()
    {
        var handler = new OpenApiContractHandler(OpenApiContract.Qdrant) { InnerHandler = new HttpClientHandler() };
        using var http = Client(handler);
        using var bad = await http.PutAsync("/collections/c/snapshots/recover",
            new StringContent("""{"priority":"snapshot"}""", System.Text.Encoding.UTF8, "application/json"));
        using var unknown = await http.GetAsync("/not/a/qdrant/path");
        Assert.Equal(2, handler.Violations.Count);
        var error = Assert.Throws<OpenApiContractException>(handler.AssertNoViolations);
        Assert.Contains("PUT /collections/{collection_name}/snapshots/recover request", error.Message);
    }
}
