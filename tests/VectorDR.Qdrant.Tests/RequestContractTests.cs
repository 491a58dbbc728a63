using System.Net;
using System.Text.Json.Nodes;
using VectorDR.Core;
using VectorDR.Qdrant.Tests.Support;
using VectorDR.Testing;

namespace VectorDR.Qdrant.Tests;

/// <summary>
/// Every request the client can send is checked against Qdrant's own OpenAPI document (shared/qdrant/openapi.json):
/// the path and method exist, every query parameter is declared for that operation, and every JSON body validates
/// against the operation's request schema.
/// </summary>
public sealed class RequestContractTests
{
    private static readonly Lazy<JsonObject> Spec = new(() =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(RepoPaths.QdrantOpenApiPath))!);

    private static readonly string Checksum = new('a', 64);

    /// <summary>One entry per client call shape worth checking (option combinations that change the body included).</summary>
    public static TheoryData<string> Calls => new(CallTable.Keys);

    private static readonly Dictionary<string, Func<IQdrantClient, Task>> CallTable = new()
    {
        ["version"] = c => c.GetVersionAsync(),
        ["list collections"] = c => c.ListCollectionsAsync(),
        ["get collection"] = c => c.GetCollectionAsync("docs"),
        ["collection exists"] = c => c.CollectionExistsAsync("docs"),
        ["create collection"] = c => c.CreateCollectionAsync("docs", new JsonObject
        {
            ["vectors"] = new JsonObject { ["size"] = 4, ["distance"] = "Dot" },
            ["shard_number"] = 2,
        }),
        ["create collection named vectors"] = c => c.CreateCollectionAsync("docs", new JsonObject
        {
            ["vectors"] = new JsonObject { ["image"] = new JsonObject { ["size"] = 2, ["distance"] = "Cosine" } },
        }),
        ["delete collection"] = c => c.DeleteCollectionAsync("docs"),
        ["list aliases"] = c => c.ListAliasesAsync(),
        ["list collection aliases"] = c => c.ListCollectionAliasesAsync("docs"),
        ["update aliases"] = c => c.UpdateAliasesAsync(
            [new AliasOperation.Create("prod", "docs"), new AliasOperation.Delete("old"), new AliasOperation.Rename("a", "b")]),
        ["count exact"] = c => c.CountAsync("docs"),
        ["count approximate"] = c => c.CountAsync("docs", exact: false),
        ["scroll first page"] = c => c.ScrollAsync("docs", new ScrollRequest(100)),
        ["scroll numeric offset"] = c => c.ScrollAsync("docs", new ScrollRequest(10, PointId.FromNumber(5), true, true)),
        ["scroll uuid offset"] = c => c.ScrollAsync("docs", new ScrollRequest(10, PointId.FromUuid(Guid.NewGuid()))),
        ["query exact"] = c => c.QueryNearestAsync("docs", new NearestQuery([0.1f, -2.5f, 3f], 10)),
        ["query named approximate"] = c => c.QueryNearestAsync("docs", new NearestQuery([1f], 1, Exact: false, Using: "image")),
        ["query batch"] = c => c.QueryNearestBatchAsync("docs", [new NearestQuery([0.5f, 1f], 3), new NearestQuery([1f], 2, Exact: false, Using: "image")]),
        ["upsert"] = c => c.UpsertAsync("docs",
        [
            new PointStruct(PointId.FromNumber(1), new JsonArray(1f, 2f), new JsonObject { ["k"] = "v", ["n"] = 1 }),
            new PointStruct(PointId.FromUuid(Guid.NewGuid()), new JsonObject { ["image"] = new JsonArray(0.5f) }),
        ]),
        ["upsert no wait"] = c => c.UpsertAsync("docs", [new PointStruct(PointId.FromNumber(2), new JsonArray(1f))], wait: false),
        ["create snapshot"] = c => c.CreateSnapshotAsync("docs"),
        ["list snapshots"] = c => c.ListSnapshotsAsync("docs"),
        ["download snapshot"] = async c => await (await c.OpenSnapshotAsync("docs", "s.snapshot")).DisposeAsync(),
        ["delete snapshot"] = c => c.DeleteSnapshotAsync("docs", "s.snapshot"),
        ["recover snapshot minimal"] = c => c.RecoverSnapshotAsync("docs", new SnapshotRecoverRequest(new Uri("http://h/s.snapshot"))),
        ["recover snapshot full"] = c => c.RecoverSnapshotAsync("docs",
            new SnapshotRecoverRequest(new Uri("https://h/s.snapshot?sig=x"), SnapshotPriority.NoSync, Checksum, "k")),
        ["recover snapshot file"] = c => c.RecoverSnapshotAsync("docs",
            new SnapshotRecoverRequest(new Uri("file:///qdrant/snapshots/docs/s.snapshot"), SnapshotPriority.Replica)),
        ["upload snapshot"] = c => c.UploadSnapshotAsync("docs", new MemoryStream([1, 2]), "s.snapshot", SnapshotPriority.Snapshot, Checksum),
        ["cluster"] = c => c.GetClusterAsync(),
        ["collection cluster"] = c => c.GetCollectionClusterAsync("docs"),
        ["create shard snapshot"] = c => c.CreateShardSnapshotAsync("docs", 1),
        ["list shard snapshots"] = c => c.ListShardSnapshotsAsync("docs", 1),
        ["download shard snapshot"] = async c => await (await c.OpenShardSnapshotAsync("docs", 1, "s.snapshot")).DisposeAsync(),
        ["delete shard snapshot"] = c => c.DeleteShardSnapshotAsync("docs", 1, "s.snapshot"),
        ["stream shard snapshot"] = async c => await (await c.OpenShardSnapshotStreamAsync("docs", 1)).DisposeAsync(),
        ["recover shard snapshot url"] = c => c.RecoverShardSnapshotAsync("docs", 1,
            ShardSnapshotRecoverRequest.FromUrl(new Uri("https://h/s.snapshot"), SnapshotPriority.Snapshot, Checksum, "k")),
        ["recover shard snapshot local"] = c => c.RecoverShardSnapshotAsync("docs", 1, ShardSnapshotRecoverRequest.FromLocalSnapshot("s.snapshot")),
        ["upload shard snapshot"] = c => c.UploadShardSnapshotAsync("docs", 1, new MemoryStream([1]), "s.snapshot", SnapshotPriority.Replica, Checksum),
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task Request_conforms_to_the_openapi_document(string call)
    {
        var handler = new FakeQdrantHandler((_, _) => new HttpResponseMessage(HttpStatusCode.InternalServerError));
        using var client = TestClients.Create(handler, maxAttempts: 1);

        // The fake answers 500 to everything: only the request matters here.
        await Assert.ThrowsAnyAsync<Exception>(() => CallTable[call](client));

        var request = Assert.Single(handler.Requests);
        var method = request.Method.Method.ToLowerInvariant();
        var template = OpenApiContract.Qdrant.FindPathTemplate(method, request.Uri.AbsolutePath);
        Assert.True(template is not null, $"{request.Method} {request.Uri.AbsolutePath} is not an operation of Qdrant's API");

        var declared = DeclaredQueryParameters(method, template);
        foreach (var name in QueryNames(request.Uri))
            Assert.True(declared.Contains(name), $"query parameter '{name}' is not declared for {method.ToUpperInvariant()} {template}");

        var mediaType = request.ContentHeaders?.ContentType?.MediaType;
        var requestBody = Spec.Value["paths"]![template]![method]!["requestBody"];
        if (mediaType == "application/json")
        {
            var errors = OpenApiContract.Qdrant.ValidateRequest(method, template, request.BodyText);
            Assert.True(errors.Count == 0, $"{call}: {request.BodyText}\n  " + string.Join("\n  ", errors));
        }
        else if (mediaType == "multipart/form-data")
        {
            var properties = requestBody!["content"]!["multipart/form-data"]!["schema"]!["properties"]!.AsObject();
            Assert.True(properties.ContainsKey("snapshot"));
            Assert.Contains("name=snapshot", request.BodyText);
        }
        else
        {
            Assert.Null(mediaType);
            Assert.True(requestBody is null || requestBody["required"]?.GetValue<bool>() != true,
                $"{method.ToUpperInvariant()} {template} requires a body");
        }
    }

    [Theory]
    [InlineData("post", "/collections/{collection_name}/points/count", """{"exact":"yes"}""")]
    [InlineData("post", "/collections/{collection_name}/points/scroll", """{"limit":0}""")]
    [InlineData("put", "/collections/{collection_name}/snapshots/recover", """{"priority":"snapshot"}""")]
    public void The_validator_rejects_what_qdrant_rejects(string method, string template, string json) =>
        // Guards the check above against passing vacuously.
        Assert.NotEmpty(OpenApiContract.Qdrant.ValidateRequest(method, template, json));

    [Theory]
    [InlineData(SnapshotPriority.NoSync)]
    [InlineData(SnapshotPriority.Snapshot)]
    [InlineData(SnapshotPriority.Replica)]
    public void Priority_wire_values_are_the_spec_enum(SnapshotPriority priority)
    {
        // The recover schemas declare priority as anyOf[SnapshotPriority, {nullable}], which accepts any value, so the
        // body check above cannot catch a wrong spelling: check the enum itself.
        var wire = System.Text.Json.JsonSerializer.Serialize(new Json.WireSnapshotRecover("x", priority, null, null), Json.QdrantJson.Options);
        var value = JsonNode.Parse(wire)!["priority"]!.ToJsonString();
        Assert.Empty(OpenApiContract.Qdrant.ValidateSchema("SnapshotPriority", value));
        Assert.NotEmpty(OpenApiContract.Qdrant.ValidateSchema("SnapshotPriority", "\"Snapshot\""));
    }

    [Theory]
    [InlineData("get", "/collections/{collection_name}/snapshots", 200,
        """{"result":[{"name":"docs-1-2024-01-03-13-20-11.snapshot","creation_time":"2024-01-03T13:20:11","size":1024}],"status":"ok","time":0.1}""")]
    [InlineData("get", "/collections/{collection_name}", 404,
        """{"status":{"error":"Not found: Collection `docs` doesn't exist!"},"time":0.0001}""")]
    [InlineData("post", "/collections/{collection_name}/points/query", 200,
        """{"result":{"points":[{"id":7,"version":3,"score":0.99}]},"status":"ok","time":0.0012}""")]
    [InlineData("post", "/collections/{collection_name}/points/query/batch", 200,
        """{"result":[{"points":[{"id":7,"version":3,"score":0.99}]},{"points":[]}],"status":"ok","time":0.0012}""")]
    [InlineData("post", "/collections/{collection_name}/points/scroll", 200,
        """{"result":{"points":[{"id":1,"payload":{"a":1},"vector":[0.5,1.0]}],"next_page_offset":null},"status":"ok","time":0.1}""")]
    [InlineData("get", "/cluster", 200, """{"result":{"status":"disabled"},"status":"ok","time":0.1}""")]
    public void The_fixtures_used_by_the_unit_tests_are_valid_qdrant_responses(string method, string template, int status, string json) =>
        Assert.Empty(OpenApiContract.Qdrant.ValidateResponse(method, template, status, json));

    private static HashSet<string> DeclaredQueryParameters(string method, string template)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var item = Spec.Value["paths"]![template]!;
        foreach (var parameters in new[] { item["parameters"], item[method]!["parameters"] })
            foreach (var parameter in parameters?.AsArray() ?? [])
                if (parameter!["in"]!.GetValue<string>() == "query") names.Add(parameter["name"]!.GetValue<string>());
        return names;
    }

    private static IEnumerable<string> QueryNames(Uri uri) =>
        uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries).Select(pair => pair.Split('=')[0]);
}
