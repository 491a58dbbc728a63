using System.Net;
using System.Text.Json;
using VectorDR.Core;
using VectorDR.Qdrant.Tests.Support;

namespace VectorDR.Qdrant.Tests;

/// <summary>The <c>{result,status,time[,usage]}</c> envelope and the mapping of each response shape.</summary>
public sealed class ResponseParsingTests
{
    private static QdrantClient ClientAnswering(HttpResponseMessage response) =>
        TestClients.Create(new FakeQdrantHandler((_, _) => response));

    [Fact]
    public async Task Collection_info_is_read_from_the_result_and_unknown_keys_are_ignored()
    {
        using var client = ClientAnswering(FakeQdrantHandler.Ok("""
            {"status":"green","optimizer_status":"ok","segments_count":2,"points_count":1200,"indexed_vectors_count":0,
             "brand_new_field":{"x":1},
             "config":{"params":{"vectors":{"size":4,"distance":"Dot"},"shard_number":3,"replication_factor":2},
                       "hnsw_config":{"m":16},"optimizer_config":{}},
             "payload_schema":{"city":{"data_type":"keyword","points":3}}}
            """));

        var info = await client.GetCollectionAsync("docs");

        Assert.Equal("green", info.Status);
        Assert.Equal(1200, info.PointsCount);
        Assert.Equal(3, info.ShardNumber);
        Assert.Equal(2, info.ReplicationFactor);
        Assert.Equal(4, info.Vectors.GetProperty("size").GetInt32());
        Assert.Equal("keyword", info.PayloadSchema.GetProperty("city").GetProperty("data_type").GetString());
    }

    [Fact]
    public async Task Null_points_count_stays_null()
    {
        using var client = ClientAnswering(FakeQdrantHandler.Ok("""
            {"status":"grey","optimizer_status":"ok","segments_count":0,"points_count":null,"config":{"params":{"vectors":{}}},"payload_schema":{}}
            """));
        Assert.Null((await client.GetCollectionAsync("docs")).PointsCount);
    }

    [Fact]
    public async Task A_required_result_that_is_absent_is_a_protocol_error()
    {
        using var client = ClientAnswering(FakeQdrantHandler.Json(HttpStatusCode.OK, """{"status":"ok","time":0.1}"""));
        var error = await Assert.ThrowsAsync<QdrantProtocolException>(() => client.GetCollectionAsync("docs"));
        Assert.Contains("GET /collections/docs", error.Message);
        Assert.Contains("no result", error.Message);
    }

    [Fact]
    public async Task An_absent_result_is_fine_where_none_is_needed()
    {
        // 202 Accepted carries no result at all (API-NOTES §1.2).
        using var client = TestClients.Create(new FakeQdrantHandler((_, _) =>
            FakeQdrantHandler.Json(HttpStatusCode.Accepted, """{"status":"accepted","time":0.0001}""")));
        await client.UpsertAsync("docs", [new PointStruct(PointId.FromNumber(1), new System.Text.Json.Nodes.JsonArray(1f, 2f))]);
        await client.DeleteSnapshotAsync("docs", "a.snapshot");
    }

    [Fact]
    public async Task A_success_body_that_is_not_json_is_a_protocol_error()
    {
        using var client = ClientAnswering(FakeQdrantHandler.Text(HttpStatusCode.OK, "<html>welcome to nginx</html>"));
        var error = await Assert.ThrowsAsync<QdrantProtocolException>(() => client.ListCollectionsAsync());
        Assert.Contains("GET /collections", error.Message);
    }

    [Fact]
    public async Task Version_is_read_from_the_bare_root_document()
    {
        using var client = ClientAnswering(FakeQdrantHandler.Json(HttpStatusCode.OK,
            """{"title":"qdrant - vector search engine","version":"1.19.0","commit":null}"""));
        var version = await client.GetVersionAsync();
        Assert.Equal(new QdrantVersionInfo("qdrant - vector search engine", "1.19.0", null), version);
    }

    [Fact]
    public async Task Collections_exists_and_delete_results_are_mapped()
    {
        var handler = new FakeQdrantHandler((request, _) => request.RequestUri!.AbsolutePath switch
        {
            "/collections" => FakeQdrantHandler.Ok("""{"collections":[{"name":"a"},{"name":"b"}]}"""),
            "/collections/a/exists" => FakeQdrantHandler.Ok("""{"exists":true}"""),
            "/collections/zz/exists" => FakeQdrantHandler.Ok("""{"exists":false}"""),
            "/collections/zz" => FakeQdrantHandler.Ok("false"),
            _ => FakeQdrantHandler.Error(HttpStatusCode.NotFound, "nope"),
        });
        using var client = TestClients.Create(handler);

        Assert.Equal(["a", "b"], await client.ListCollectionsAsync());
        Assert.True(await client.CollectionExistsAsync("a"));
        Assert.False(await client.CollectionExistsAsync("zz"));
        Assert.False(await client.DeleteCollectionAsync("zz"));
    }

    [Fact]
    public async Task Snapshot_creation_time_without_zone_is_utc_and_checksum_may_be_absent()
    {
        using var client = ClientAnswering(FakeQdrantHandler.Ok("""
            [{"name":"docs-1-2024-01-03-13-20-11.snapshot","creation_time":"2024-01-03T13:20:11","size":1024,
              "checksum":"aa00000000000000000000000000000000000000000000000000000000000000"},
             {"name":"uploaded.snapshot","creation_time":null,"size":5}]
            """));

        var snapshots = await client.ListSnapshotsAsync("docs");

        Assert.Equal(new DateTimeOffset(2024, 1, 3, 13, 20, 11, TimeSpan.Zero), snapshots[0].CreationTime);
        Assert.Equal(TimeSpan.Zero, snapshots[0].CreationTime!.Value.Offset);
        Assert.Equal(1024, snapshots[0].Size);
        Assert.StartsWith("aa", snapshots[0].Checksum);
        Assert.Null(snapshots[1].CreationTime);
        Assert.Null(snapshots[1].Checksum);
    }

    [Fact]
    public async Task Scroll_page_keeps_ids_payload_vector_and_next_offset()
    {
        using var client = ClientAnswering(FakeQdrantHandler.Ok("""
            {"points":[{"id":1,"payload":{"a":1},"vector":[0.5,1.0]},
                       {"id":"8f0e1e8a-3c5b-4a7e-9a55-6a1a2c3d4e5f","payload":null}],
             "next_page_offset":"9a0e1e8a-3c5b-4a7e-9a55-6a1a2c3d4e5f"}
            """));

        var page = await client.ScrollAsync("docs", new ScrollRequest(2, WithPayload: true, WithVector: true));

        Assert.Equal(PointId.FromNumber(1), page.Points[0].Id);
        Assert.Equal(1, page.Points[0].Payload!.Value.GetProperty("a").GetInt32());
        Assert.Equal(2, page.Points[0].Vector!.Value.GetArrayLength());
        Assert.Equal(PointId.Parse("8f0e1e8a-3c5b-4a7e-9a55-6a1a2c3d4e5f"), page.Points[1].Id);
        Assert.Null(page.Points[1].Payload);
        Assert.Null(page.Points[1].Vector);
        Assert.Equal(PointId.Parse("9a0e1e8a-3c5b-4a7e-9a55-6a1a2c3d4e5f"), page.NextPageOffset);
    }

    [Fact]
    public async Task Last_scroll_page_has_no_next_offset()
    {
        using var client = ClientAnswering(FakeQdrantHandler.Ok("""{"points":[],"next_page_offset":null}"""));
        Assert.Null((await client.ScrollAsync("docs", new ScrollRequest(10))).NextPageOffset);
    }

    [Fact]
    public async Task Query_points_are_mapped_to_id_and_score()
    {
        using var client = ClientAnswering(FakeQdrantHandler.Ok("""
            {"points":[{"id":7,"version":3,"score":0.99},{"id":2,"version":1,"score":-0.5,"payload":{}}]}
            """));
        var hits = await client.QueryNearestAsync("docs", new NearestQuery([1f, 0f], 2));
        Assert.Equal([new ScoredPoint(PointId.FromNumber(7), 0.99), new ScoredPoint(PointId.FromNumber(2), -0.5)], hits);
    }

    [Fact]
    public async Task Count_and_aliases_are_mapped()
    {
        var handler = new FakeQdrantHandler((request, _) => request.RequestUri!.AbsolutePath switch
        {
            "/collections/docs/points/count" => FakeQdrantHandler.Ok("""{"count":42}"""),
            "/aliases" => FakeQdrantHandler.Ok("""{"aliases":[{"alias_name":"prod","collection_name":"docs"}]}"""),
            "/collections/docs/aliases" => FakeQdrantHandler.Ok("""{"aliases":[]}"""),
            _ => FakeQdrantHandler.Error(HttpStatusCode.NotFound, "nope"),
        });
        using var client = TestClients.Create(handler);

        Assert.Equal(42, await client.CountAsync("docs"));
        Assert.Equal([new AliasDescription("prod", "docs")], await client.ListAliasesAsync());
        Assert.Empty(await client.ListCollectionAliasesAsync("docs"));
    }

    [Fact]
    public async Task Single_node_cluster_status_is_disabled()
    {
        using var client = ClientAnswering(FakeQdrantHandler.Ok("""{"status":"disabled"}"""));
        var cluster = await client.GetClusterAsync();
        Assert.False(cluster.Enabled);
        Assert.Null(cluster.PeerId);
        Assert.Empty(cluster.PeerUris);
    }

    [Fact]
    public async Task Distributed_cluster_status_lists_peers()
    {
        using var client = ClientAnswering(FakeQdrantHandler.Ok("""
            {"status":"enabled","peer_id":11,"peers":{"11":{"uri":"http://q-0:6335/"},"12":{"uri":"http://q-1:6335/"}},
             "raft_info":{"term":1,"commit":5,"pending_operations":0,"leader":11,"role":"Leader","is_voter":true},
             "consensus_thread_status":{"consensus_thread_status":"working","last_update":"2026-01-01T00:00:00Z"},
             "message_send_failures":{}}
            """));
        var cluster = await client.GetClusterAsync();
        Assert.True(cluster.Enabled);
        Assert.Equal(11UL, cluster.PeerId);
        Assert.Equal("http://q-1:6335/", cluster.PeerUris["12"]);
    }

    [Fact]
    public async Task Collection_cluster_info_lists_local_and_remote_shards()
    {
        using var client = ClientAnswering(FakeQdrantHandler.Ok("""
            {"peer_id":11,"shard_count":2,
             "local_shards":[{"shard_id":0,"points_count":10,"state":"Active"}],
             "remote_shards":[{"shard_id":1,"peer_id":12,"state":"Partial"}],
             "shard_transfers":[]}
            """));
        var info = await client.GetCollectionClusterAsync("docs");
        Assert.Equal(11UL, info.PeerId);
        Assert.Equal(2, info.ShardCount);
        Assert.Equal(new LocalShardInfo(0, 10, "Active"), Assert.Single(info.LocalShards));
        Assert.Equal(new RemoteShardInfo(1, 12, "Partial"), Assert.Single(info.RemoteShards));
    }

    [Fact]
    public async Task Snapshot_create_returns_the_description()
    {
        using var client = ClientAnswering(FakeQdrantHandler.Ok(
            """{"name":"docs-1-2026-01-02-03-04-05.snapshot","creation_time":"2026-01-02T03:04:05","size":77,"checksum":null}"""));
        var snapshot = await client.CreateSnapshotAsync("docs");
        Assert.Equal("docs-1-2026-01-02-03-04-05.snapshot", snapshot.Name);
        Assert.Equal(77, snapshot.Size);
        Assert.Null(snapshot.Checksum);
    }

    [Fact]
    public async Task A_snapshot_description_without_a_name_is_a_protocol_error()
    {
        using var client = ClientAnswering(FakeQdrantHandler.Ok("""{"size":77}"""));
        await Assert.ThrowsAsync<QdrantProtocolException>(() => client.CreateSnapshotAsync("docs"));
    }

    [Fact]
    public async Task Json_element_results_outlive_the_response()
    {
        // CollectionInfo keeps JsonElements; they must not point into a disposed JsonDocument.
        using var client = ClientAnswering(FakeQdrantHandler.Ok(
            """{"status":"green","optimizer_status":"ok","segments_count":1,"config":{"params":{"vectors":{"size":2,"distance":"Cosine"}}},"payload_schema":{}}"""));
        var info = await client.GetCollectionAsync("docs");
        GC.Collect();
        Assert.Equal("Cosine", info.Vectors.GetProperty("distance").GetString());
        Assert.Equal(JsonValueKind.Object, info.PayloadSchema.ValueKind);
    }
}
