using System.Net;
using System.Text.Json.Nodes;

namespace VectorDR.QdrantEmulator.Tests;

public sealed class PointTests(EmulatorFixture fixture) : IClassFixture<EmulatorFixture>
{
    private QdrantHttp Http => fixture.Http;

    private async Task<string> CollectionAsync(string distance, int size = 2, int shards = 1)
    {
        var name = Names.Unique("pts");
        await Http.PutAsync($"/collections/{name}", new { vectors = new { size, distance }, shard_number = shards });
        return name;
    }

    [Fact]
    public async Task Upsert_points_list_then_get_and_count()
    {
        var name = await CollectionAsync("Dot");
        var upsert = await Http.PutAsync($"/collections/{name}/points?wait=true", new JsonObject
        {
            ["points"] = new JsonArray(
                new JsonObject { ["id"] = 1, ["vector"] = new JsonArray(1, 0), ["payload"] = new JsonObject { ["k"] = "a" } },
                new JsonObject { ["id"] = "550e8400-e29b-41d4-a716-446655440000", ["vector"] = new JsonArray(0, 1) }),
        });
        Assert.Equal("completed", upsert.Result!["status"]!.GetValue<string>());
        Assert.True(upsert.Result!["operation_id"]!.GetValue<ulong>() > 0);

        var point = (await Http.GetAsync($"/collections/{name}/points/1")).Result!;
        Assert.Equal("a", point["payload"]!["k"]!.GetValue<string>());
        Assert.Equal([1f, 0f], point["vector"]!.AsArray().Select(v => v!.GetValue<float>()));
        Assert.Equal(2, (await Http.PostAsync($"/collections/{name}/points/count", new { exact = true })).Result!["count"]!.GetValue<int>());

        var missing = await Http.GetAsync($"/collections/{name}/points/99");
        Assert.Equal(404, missing.Code);
        Assert.StartsWith("Not found: Point with id 99", missing.Error);
    }

    [Fact]
    public async Task Upsert_batch_without_wait_is_acknowledged()
    {
        var name = await CollectionAsync("Dot");
        var upsert = await Http.PutAsync($"/collections/{name}/points", new JsonObject
        {
            ["batch"] = new JsonObject
            {
                ["ids"] = new JsonArray(5, 6, 7),
                ["vectors"] = new JsonArray(new JsonArray(1, 1), new JsonArray(2, 2), new JsonArray(3, 3)),
                ["payloads"] = new JsonArray(new JsonObject { ["n"] = 5 }, null, new JsonObject { ["n"] = 7 }),
            },
        });
        Assert.Equal(HttpStatusCode.OK, upsert.Status);
        Assert.Equal("acknowledged", upsert.Result!["status"]!.GetValue<string>());
        Assert.Equal(3, (await Http.PostAsync($"/collections/{name}/points/count", new { })).Result!["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Wrong_dimension_and_unknown_vector_name_are_400()
    {
        var name = await CollectionAsync("Dot");
        var wrong = await Http.PutAsync($"/collections/{name}/points", """{"points":[{"id":1,"vector":[1,2,3]}]}""");
        Assert.Equal(400, wrong.Code);
        Assert.Equal("Wrong input: Vector dimension error: expected dim: 2, got 3", wrong.Error);
        var named = await Http.PutAsync($"/collections/{name}/points", """{"points":[{"id":1,"vector":{"img":[1,2]}}]}""");
        Assert.Equal(400, named.Code);
        Assert.StartsWith("Wrong input: Not existing vector name error: img", named.Error);
    }

    [Fact]
    public async Task Scroll_pages_in_id_order_across_shards()
    {
        var name = Names.Unique("scroll");
        await fixture.Host.SeedCollectionAsync(name, 25, 3, shards: 3);
        var ids = new List<int>();
        JsonNode? offset = null;
        var pages = 0;
        do
        {
            var body = new JsonObject { ["limit"] = 10, ["with_payload"] = false, ["with_vector"] = true };
            if (offset is not null)
            {
                body["offset"] = offset.DeepClone();
            }

            var result = (await Http.PostAsync($"/collections/{name}/points/scroll", body)).Result!;
            var points = result["points"]!.AsArray();
            Assert.All(points, p => Assert.Null(p!["payload"]));
            Assert.All(points, p => Assert.Equal(3, p!["vector"]!.AsArray().Count));
            ids.AddRange(points.Select(p => p!["id"]!.GetValue<int>()));
            offset = result["next_page_offset"];
            pages++;
        }
        while (offset is not null);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 25), ids);
    }

    [Fact]
    public async Task Scroll_defaults_payload_on_and_vector_off_and_rejects_limit_0()
    {
        var name = Names.Unique("scroll");
        await fixture.Host.SeedCollectionAsync(name, 3, 3);
        var first = (await Http.PostAsync($"/collections/{name}/points/scroll", new { })).Result!["points"]![0]!;
        Assert.Equal(0, first["payload"]!["i"]!.GetValue<int>());
        Assert.Null(first["vector"]);

        var zero = await Http.PostAsync($"/collections/{name}/points/scroll", new { limit = 0 });
        Assert.Equal(422, zero.Code);
        Assert.StartsWith("Validation error in JSON body", zero.Error);
    }

    [Fact]
    public async Task Scroll_and_count_honour_simple_filters()
    {
        var name = Names.Unique("filter");
        await fixture.Host.SeedCollectionAsync(name, 40, 3);
        var filter = JsonNode.Parse("""{"must":[{"key":"group","match":{"value":"g3"}}]}""");
        var count = await Http.PostAsync($"/collections/{name}/points/count", new JsonObject { ["filter"] = filter!.DeepClone(), ["exact"] = true });
        Assert.Equal(4, count.Result!["count"]!.GetValue<int>());
        var scroll = await Http.PostAsync($"/collections/{name}/points/scroll", new JsonObject { ["filter"] = filter.DeepClone() });
        Assert.Equal([3, 13, 23, 33], scroll.Result!["points"]!.AsArray().Select(p => p!["id"]!.GetValue<int>()));
    }

    [Theory]
    [InlineData("Dot")]
    [InlineData("Cosine")]
    [InlineData("Euclid")]
    [InlineData("Manhattan")]
    public async Task Exact_query_orders_best_first_and_breaks_ties_by_id(string distance)
    {
        var name = await CollectionAsync(distance);
        // For the query [1,1], point 2 is best under every metric, and points 1 and 3 tie exactly.
        await Http.PutAsync($"/collections/{name}/points?wait=true", """
            {"points":[{"id":3,"vector":[0,1]},{"id":4,"vector":[-1,-1]},{"id":1,"vector":[1,0]},{"id":2,"vector":[1,1]}]}
            """);
        var response = await Http.PostAsync($"/collections/{name}/points/query",
            new { query = new[] { 1f, 1f }, @params = new { exact = true }, limit = 3, with_payload = true });
        var points = response.Result!["points"]!.AsArray();
        Assert.Equal([2, 1, 3], points.Select(p => p!["id"]!.GetValue<int>()));
        Assert.All(points, p => Assert.NotNull(p!["version"]));
        var scores = points.Select(p => p!["score"]!.GetValue<float>()).ToArray();
        var expected = distance switch
        {
            "Dot" => new[] { 2f, 1f, 1f },
            "Cosine" => [1f, MathF.Sqrt(0.5f), MathF.Sqrt(0.5f)],
            _ => [0f, 1f, 1f],
        };
        Assert.Equal(expected, scores, (a, b) => MathF.Abs(a - b) < 1e-5f);
    }

    [Fact]
    public async Task Query_with_nearest_using_named_vector()
    {
        var name = Names.Unique("named");
        await Http.PutAsync($"/collections/{name}", """{"vectors":{"a":{"size":2,"distance":"Dot"},"b":{"size":3,"distance":"Dot"}}}""");
        await Http.PutAsync($"/collections/{name}/points?wait=true", """
            {"points":[{"id":1,"vector":{"a":[1,0],"b":[0,0,1]}},{"id":2,"vector":{"a":[0,1],"b":[0,0,2]}}]}
            """);
        var byB = await Http.PostAsync($"/collections/{name}/points/query", """{"query":{"nearest":[0,0,1]},"using":"b","limit":1,"with_vector":true}""");
        var top = byB.Result!["points"]![0]!;
        Assert.Equal(2, top["id"]!.GetValue<int>());
        Assert.Equal(2, top["vector"]!["a"]!.AsArray().Count);

        var byA = await Http.PostAsync($"/collections/{name}/points/query", """{"query":[1,0],"using":"a","limit":1}""");
        Assert.Equal(1, byA.Result!["points"]![0]!["id"]!.GetValue<int>());

        var unknown = await Http.PostAsync($"/collections/{name}/points/query", """{"query":[1,0],"using":"zzz"}""");
        Assert.Equal(400, unknown.Code);
    }

    [Fact]
    public async Task Query_over_a_seeded_collection_matches_brute_force()
    {
        var name = Names.Unique("knn");
        await fixture.Host.SeedCollectionAsync(name, 500, 16, "Dot", shards: 2);
        var query = QdrantEmulatorHost.SeedVector(7, 9999, 16);
        var expected = Enumerable.Range(0, 500)
            .Select(i => (Id: i, Score: QdrantEmulatorHost.SeedVector(42, (ulong)i, 16).Zip(query).Sum(x => x.First * x.Second)))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Id).Take(10).Select(x => x.Id);
        var response = await Http.PostAsync($"/collections/{name}/points/query", new { query, limit = 10, @params = new { exact = true } });
        Assert.Equal(expected, response.Result!["points"]!.AsArray().Select(p => p!["id"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Query_batch_answers_each_search_in_order_as_a_single_query_would()
    {
        var name = Names.Unique("batch");
        await fixture.Host.SeedCollectionAsync(name, 400, 8, "Dot", shards: 3);
        var searches = Enumerable.Range(0, 5)
            .Select(i => (object)new { query = QdrantEmulatorHost.SeedVector(11, (ulong)i, 8), limit = 3 + i, offset = i % 2, @params = new { exact = true } })
            .Append(new { limit = 4 }) // no query: the first points by id
            .Append(new { query = 17, limit = 5 }) // a point id: its neighbours, itself excluded
            .ToList();

        var batch = await Http.PostAsync($"/collections/{name}/points/query/batch", new { searches });

        Assert.Equal(200, batch.Code);
        var answers = batch.Result!.AsArray();
        Assert.Equal(searches.Count, answers.Count);
        for (var i = 0; i < searches.Count; i++)
        {
            var single = await Http.PostAsync($"/collections/{name}/points/query", searches[i]);
            Assert.True(JsonNode.DeepEquals(single.Result, answers[i]), $"search {i}: batch {answers[i]}, single {single.Result}");
        }
        Assert.Equal(3, answers[0]!["points"]!.AsArray().Count);
        Assert.Equal([0, 1, 2, 3], answers[5]!["points"]!.AsArray().Select(p => p!["id"]!.GetValue<int>()));
        Assert.DoesNotContain(17, answers[6]!["points"]!.AsArray().Select(p => p!["id"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Query_batch_rejects_a_bad_search_as_a_whole()
    {
        var name = await CollectionAsync("Dot");

        var missing = await Http.PostAsync($"/collections/{name}/points/query/batch", new { });
        var unknownVector = await Http.PostAsync($"/collections/{name}/points/query/batch",
            """{"searches":[{"query":[1,0],"limit":1},{"query":[1,0],"using":"zzz"}]}""");
        var empty = await Http.PostAsync($"/collections/{name}/points/query/batch", """{"searches":[]}""");
        var ghost = await Http.PostAsync("/collections/ghost-batch/points/query/batch", """{"searches":[]}""");

        Assert.Equal(400, missing.Code);
        Assert.Contains("searches", missing.Error);
        Assert.Equal(400, unknownVector.Code);
        Assert.Contains("zzz", unknownVector.Error);
        Assert.Equal(200, empty.Code);
        Assert.Empty(empty.Result!.AsArray());
        Assert.Equal(404, ghost.Code);
    }

    [Fact]
    public async Task Query_limit_0_is_422()
    {
        var name = await CollectionAsync("Dot");
        var response = await Http.PostAsync($"/collections/{name}/points/query", new { query = new[] { 1f, 1f }, limit = 0 });
        Assert.Equal(422, response.Code);
    }

    [Fact]
    public async Task Retrieve_and_delete_points()
    {
        var name = Names.Unique("del");
        await fixture.Host.SeedCollectionAsync(name, 10, 2);
        var retrieved = await Http.PostAsync($"/collections/{name}/points", new { ids = new[] { 2, 4, 99 } });
        Assert.Equal([2, 4], retrieved.Result!.AsArray().Select(p => p!["id"]!.GetValue<int>()));
        await Http.PostAsync($"/collections/{name}/points/delete?wait=true", new { points = new[] { 2, 4 } });
        Assert.Equal(8, (await Http.PostAsync($"/collections/{name}/points/count", new { })).Result!["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Malformed_json_is_400()
    {
        var name = await CollectionAsync("Dot");
        var response = await Http.PostAsync($"/collections/{name}/points/count", "{not json");
        Assert.Equal(400, response.Code);
        Assert.StartsWith("Format error in JSON body", response.Error);
    }

    [Fact]
    public async Task Json_bodies_need_a_json_content_type_and_are_required()
    {
        var name = await CollectionAsync("Dot");
        var plain = await Http.SendAsync(HttpMethod.Post, $"/collections/{name}/points/count", configure: r =>
            r.Content = new StringContent("{}", System.Text.Encoding.UTF8, "text/plain"));
        Assert.Equal(400, plain.Code);
        Assert.Equal("Content type error", plain.Error);

        var empty = await Http.SendAsync(HttpMethod.Post, $"/collections/{name}/points/scroll", configure: r =>
            r.Content = new StringContent("", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(400, empty.Code);
        Assert.StartsWith("Format error in JSON body", empty.Error);
    }

    [Fact]
    public async Task Uuid_ids_sort_after_numeric_ids_and_legacy_search_still_answers()
    {
        var name = await CollectionAsync("Dot");
        const string uuid = "00000000-0000-0000-0000-000000000001";
        await Http.PutAsync($"/collections/{name}/points?wait=true", $$"""
            {"points":[{"id":"{{uuid}}","vector":[1,0]},{"id":9223372036854775807,"vector":[0,1]},{"id":0,"vector":[1,1]}]}
            """);
        var scroll = await Http.PostAsync($"/collections/{name}/points/scroll", new { limit = 10 });
        Assert.Equal(["0", "9223372036854775807", uuid], scroll.Result!["points"]!.AsArray().Select(p => p!["id"]!.ToString()));
        Assert.Equal(uuid, (await Http.GetAsync($"/collections/{name}/points/{uuid}")).Result!["id"]!.GetValue<string>());

        // Removed from the 1.19 spec but still served by 1.19: the bare-array result of the legacy search.
        var search = await Http.PostAsync($"/collections/{name}/points/search", new { vector = new[] { 1f, -1f }, limit = 2 });
        Assert.Equal(uuid, search.Result![0]!["id"]!.GetValue<string>());
        Assert.Equal(2, search.Result!.AsArray().Count);
    }
}
