using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using VectorDR.Core;
using VectorDR.Qdrant.Tests.Support;

namespace VectorDR.Qdrant.Tests;

/// <summary>What goes on the wire: paths, query strings and JSON bodies exactly as Qdrant expects them.</summary>
public sealed class RequestShapeTests
{
    private readonly FakeQdrantHandler handler = new((request, _) => FakeQdrantHandler.Ok(ResultFor(request)));

    private static string ResultFor(HttpRequestMessage request) => request.RequestUri!.AbsolutePath switch
    {
        var p when p.EndsWith("/points/count") => """{"count":1}""",
        var p when p.EndsWith("/points/scroll") => """{"points":[],"next_page_offset":null}""",
        var p when p.EndsWith("/points/query") => """{"points":[]}""",
        var p when p.EndsWith("/points/query/batch") => """[{"points":[{"id":7,"version":3,"score":0.5}]},{"points":[]}]""",
        var p when p.EndsWith("/points") => """{"operation_id":1,"status":"completed"}""",
        var p when p.EndsWith("/snapshots") && request.Method == HttpMethod.Post => """{"name":"s.snapshot","size":1}""",
        _ => "true",
    };

    private static void AssertJson(string expected, RecordedRequest request) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(request.BodyText)),
            $"expected {expected}, sent {request.BodyText}");

    [Fact]
    public async Task Count_asks_for_an_exact_count()
    {
        using var client = TestClients.Create(handler);
        await client.CountAsync("docs");
        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("/collections/docs/points/count", request.PathAndQuery);
        Assert.Equal("application/json", request.ContentHeaders!.ContentType!.MediaType);
        AssertJson("""{"exact":true}""", request);
    }

    [Fact]
    public async Task Scroll_sends_limit_offset_and_flags()
    {
        using var client = TestClients.Create(handler);
        await client.ScrollAsync("docs", new ScrollRequest(100));
        await client.ScrollAsync("docs", new ScrollRequest(5, PointId.FromNumber(42), WithPayload: true, WithVector: true));

        AssertJson("""{"limit":100,"with_payload":false,"with_vector":false}""", handler.Requests[0]);
        AssertJson("""{"limit":5,"offset":42,"with_payload":true,"with_vector":true}""", handler.Requests[1]);
    }

    [Fact]
    public async Task Query_is_an_exact_nearest_query()
    {
        using var client = TestClients.Create(handler);
        await client.QueryNearestAsync("docs", new NearestQuery([0.25f, -1f, 3f], 10));
        await client.QueryNearestAsync("docs", new NearestQuery([1f], 3, Exact: false, Using: "image"));

        Assert.Equal("/collections/docs/points/query", handler.Requests[0].PathAndQuery);
        AssertJson("""{"query":[0.25,-1,3],"params":{"exact":true},"limit":10,"with_payload":false}""", handler.Requests[0]);
        AssertJson("""{"query":[1],"using":"image","params":{"exact":false},"limit":3,"with_payload":false}""", handler.Requests[1]);
    }

    [Fact]
    public async Task Upsert_sends_the_points_list_and_waits()
    {
        using var client = TestClients.Create(handler);
        var uuid = Guid.Parse("8f0e1e8a-3c5b-4a7e-9a55-6a1a2c3d4e5f");
        await client.UpsertAsync("docs",
        [
            new PointStruct(PointId.FromNumber(1), new JsonArray(0.5f, 1f), new JsonObject { ["city"] = "Berlin" }),
            new PointStruct(PointId.FromUuid(uuid), new JsonObject { ["image"] = new JsonArray(1f) }),
        ]);

        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Put, request.Method);
        Assert.Equal("/collections/docs/points?wait=true", request.PathAndQuery);
        AssertJson("""
            {"points":[{"id":1,"vector":[0.5,1],"payload":{"city":"Berlin"}},
                       {"id":"8f0e1e8a-3c5b-4a7e-9a55-6a1a2c3d4e5f","vector":{"image":[1]}}]}
            """, request);
    }

    [Fact]
    public async Task Create_collection_sends_the_given_body()
    {
        using var client = TestClients.Create(handler);
        await client.CreateCollectionAsync("docs", new JsonObject { ["vectors"] = new JsonObject { ["size"] = 4, ["distance"] = "Dot" } });
        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Put, request.Method);
        Assert.Equal("/collections/docs", request.PathAndQuery);
        AssertJson("""{"vectors":{"size":4,"distance":"Dot"}}""", request);
    }

    [Fact]
    public async Task Alias_actions_are_tagged_objects_in_order()
    {
        using var client = TestClients.Create(handler);
        await client.UpdateAliasesAsync(
        [
            new AliasOperation.Create("prod", "docs-v2"),
            new AliasOperation.Delete("old"),
            new AliasOperation.Rename("a", "b"),
        ]);
        var request = Assert.Single(handler.Requests);
        Assert.Equal("/collections/aliases", request.PathAndQuery);
        AssertJson("""
            {"actions":[{"create_alias":{"collection_name":"docs-v2","alias_name":"prod"}},
                        {"delete_alias":{"alias_name":"old"}},
                        {"rename_alias":{"old_alias_name":"a","new_alias_name":"b"}}]}
            """, request);
    }

    [Theory]
    [InlineData(SnapshotPriority.NoSync, "no_sync")]
    [InlineData(SnapshotPriority.Snapshot, "snapshot")]
    [InlineData(SnapshotPriority.Replica, "replica")]
    public async Task Recover_sends_location_priority_checksum_and_api_key_in_the_body(SnapshotPriority priority, string wire)
    {
        using var client = TestClients.Create(handler);
        var checksum = new string('a', 64);
        await client.RecoverSnapshotAsync("docs", new SnapshotRecoverRequest(new Uri("https://s3.example/b/docs.snapshot?sig=1"), priority,
            checksum, "remote-key"));

        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Put, request.Method);
        Assert.Equal("/collections/docs/snapshots/recover?wait=true", request.PathAndQuery);
        AssertJson($$"""{"location":"https://s3.example/b/docs.snapshot?sig=1","priority":"{{wire}}","checksum":"{{checksum}}","api_key":"remote-key"}""",
            request);
    }

    [Fact]
    public async Task Recover_without_options_sends_only_the_location()
    {
        using var client = TestClients.Create(handler);
        await client.RecoverSnapshotAsync("docs", new SnapshotRecoverRequest(new Uri("file:///qdrant/snapshots/docs/a.snapshot")));
        AssertJson("""{"location":"file:///qdrant/snapshots/docs/a.snapshot"}""", Assert.Single(handler.Requests));
    }

    [Fact]
    public async Task Shard_recover_accepts_a_bare_snapshot_name()
    {
        using var client = TestClients.Create(handler);
        await client.RecoverShardSnapshotAsync("docs", 2, ShardSnapshotRecoverRequest.FromLocalSnapshot("docs-shard-2.snapshot",
            SnapshotPriority.Replica));
        var request = Assert.Single(handler.Requests);
        Assert.Equal("/collections/docs/shards/2/snapshots/recover?wait=true", request.PathAndQuery);
        AssertJson("""{"location":"docs-shard-2.snapshot","priority":"replica"}""", request);
    }

    [Fact]
    public async Task Snapshot_endpoints_use_wait_true_and_the_right_paths()
    {
        using var client = TestClients.Create(handler);
        await client.CreateSnapshotAsync("docs");
        await client.DeleteSnapshotAsync("docs", "a.snapshot");
        await client.CreateShardSnapshotAsync("docs", 3);
        await client.DeleteShardSnapshotAsync("docs", 3, "b.snapshot");

        Assert.Equal(
        [
            "POST /collections/docs/snapshots?wait=true",
            "DELETE /collections/docs/snapshots/a.snapshot?wait=true",
            "POST /collections/docs/shards/3/snapshots?wait=true",
            "DELETE /collections/docs/shards/3/snapshots/b.snapshot?wait=true",
        ], handler.Requests.Select(r => $"{r.Method} {r.PathAndQuery}"));
        Assert.All(handler.Requests, r => Assert.Null(r.Body is { Length: > 0 } ? r.Body : null));
    }

    [Fact]
    public async Task Names_are_escaped_as_single_path_segments()
    {
        using var client = TestClients.Create(handler);
        await client.DeleteSnapshotAsync("my docs/../x", "a?b#c.snapshot");
        Assert.Equal("/collections/my%20docs%2F..%2Fx/snapshots/a%3Fb%23c.snapshot?wait=true",
            Assert.Single(handler.Requests).Uri.GetComponents(UriComponents.PathAndQuery, UriFormat.UriEscaped));
    }

    [Fact]
    public async Task An_endpoint_path_prefix_is_kept()
    {
        using var client = TestClients.Create(handler, endpoint: new Uri("https://gateway.test/qdrant"));
        await client.CountAsync("docs");
        Assert.Equal("https://gateway.test/qdrant/collections/docs/points/count", Assert.Single(handler.Requests).Uri.AbsoluteUri);
    }

    [Fact]
    public void Invalid_options_are_rejected_up_front()
    {
        Assert.Throws<ArgumentException>(() => new QdrantClient(new QdrantClientOptions { Endpoint = new Uri("ftp://x") }));
        Assert.Throws<ArgumentException>(() => new QdrantClient(new QdrantClientOptions { MaxAttempts = 0 }));
        Assert.Throws<ArgumentException>(() => new QdrantClient(new QdrantClientOptions { CaCertificatePath = "/nonexistent/ca.pem" }));
        Assert.Throws<ArgumentException>(() =>
            new QdrantClient(new QdrantClientOptions { CaCertificatePath = "/x", InsecureSkipTlsVerify = true }));
    }

    [Fact]
    public void Static_factory_builds_a_working_client()
    {
        using var client = QdrantClient.Create(new Uri("http://localhost:6333"), "k");
        Assert.Equal(new Uri("http://localhost:6333/"), client.BaseAddress);
    }

    [Fact]
    public async Task Query_batch_sends_every_query_in_one_request_and_answers_in_order()
    {
        using var client = TestClients.Create(handler);

        var answers = await client.QueryNearestBatchAsync("docs", [new NearestQuery([0.25f, -1f], 10), new NearestQuery([1f], 3, Exact: false, Using: "image")]);
        var none = await client.QueryNearestBatchAsync("docs", []);

        var request = Assert.Single(handler.Requests);
        Assert.Equal("/collections/docs/points/query/batch", request.PathAndQuery);
        AssertJson("""
            {"searches":[
              {"query":[0.25,-1],"params":{"exact":true},"limit":10,"with_payload":false},
              {"query":[1],"using":"image","params":{"exact":false},"limit":3,"with_payload":false}]}
            """, request);
        Assert.Equal([PointId.FromNumber(7)], answers[0].Select(p => p.Id));
        Assert.Empty(answers[1]);
        Assert.Empty(none);
    }

    [Fact]
    public async Task Query_batch_with_fewer_answers_than_queries_is_a_protocol_error()
    {
        using var client = TestClients.Create(handler);

        var error = await Assert.ThrowsAsync<QdrantProtocolException>(() =>
            client.QueryNearestBatchAsync("docs", [new NearestQuery([1f], 1), new NearestQuery([2f], 1), new NearestQuery([3f], 1)]));

        Assert.Contains("2 answers to 3 queries", error.Message);
    }

    [Fact]
    public async Task Scroll_and_query_reject_a_zero_limit_before_sending()
    {
        using var client = TestClients.Create(handler);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.ScrollAsync("docs", new ScrollRequest(0)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.QueryNearestAsync("docs", new NearestQuery([1f], 0)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.QueryNearestBatchAsync("docs", [new NearestQuery([1f], 1), new NearestQuery([1f], 0)]));
        Assert.Empty(handler.Requests);
        _ = HttpStatusCode.OK;
        _ = JsonValueKind.Null;
    }
}
