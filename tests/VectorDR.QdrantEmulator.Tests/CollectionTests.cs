using System.Net;
using System.Text.Json.Nodes;

namespace VectorDR.QdrantEmulator.Tests;

public sealed class CollectionTests(EmulatorFixture fixture) : IClassFixture<EmulatorFixture>
{
    private QdrantHttp Http => fixture.Http;

    [Fact]
    public async Task Create_get_exists_list_delete()
    {
        var name = Names.Unique("coll");
        var created = await Http.PutAsync($"/collections/{name}", new { vectors = new { size = 4, distance = "Dot" }, shard_number = 2 });
        Assert.Equal(HttpStatusCode.OK, created.Status);
        Assert.True(created.Result!.GetValue<bool>());

        var info = (await Http.GetAsync($"/collections/{name}")).Result!;
        Assert.Equal("green", info["status"]!.GetValue<string>());
        Assert.Equal(4, info["config"]!["params"]!["vectors"]!["size"]!.GetValue<int>());
        Assert.Equal("Dot", info["config"]!["params"]!["vectors"]!["distance"]!.GetValue<string>());
        Assert.Equal(2, info["config"]!["params"]!["shard_number"]!.GetValue<int>());
        Assert.Equal(0, info["points_count"]!.GetValue<int>());

        Assert.True((await Http.GetAsync($"/collections/{name}/exists")).Result!["exists"]!.GetValue<bool>());
        var list = (await Http.GetAsync("/collections")).Result!["collections"]!.AsArray();
        Assert.Contains(list, c => c!["name"]!.GetValue<string>() == name);

        Assert.True((await Http.DeleteAsync($"/collections/{name}")).Result!.GetValue<bool>());
        Assert.False((await Http.GetAsync($"/collections/{name}/exists")).Result!["exists"]!.GetValue<bool>());
        // Deleting again is not an error: Qdrant answers false.
        Assert.False((await Http.DeleteAsync($"/collections/{name}")).Result!.GetValue<bool>());
    }

    [Fact]
    public async Task Named_vectors_are_echoed_as_a_map()
    {
        var name = Names.Unique("named");
        await Http.PutAsync($"/collections/{name}", new JsonObject
        {
            ["vectors"] = new JsonObject
            {
                ["image"] = new JsonObject { ["size"] = 3, ["distance"] = "Euclid" },
                ["text"] = new JsonObject { ["size"] = 2, ["distance"] = "Cosine" },
            },
        });
        var vectors = (await Http.GetAsync($"/collections/{name}")).Result!["config"]!["params"]!["vectors"]!;
        Assert.Equal(3, vectors["image"]!["size"]!.GetValue<int>());
        Assert.Equal("Cosine", vectors["text"]!["distance"]!.GetValue<string>());
    }

    [Fact]
    public async Task Creating_an_existing_collection_is_409()
    {
        var name = Names.Unique("dup");
        await Http.PutAsync($"/collections/{name}", new { vectors = new { size = 2, distance = "Dot" } });
        var again = await Http.PutAsync($"/collections/{name}", new { vectors = new { size = 2, distance = "Dot" } });
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        Assert.Equal($"Wrong input: Collection `{name}` already exists!", again.Error);
    }

    [Theory]
    [InlineData("""{"vectors":{"size":0,"distance":"Dot"}}""", 422, "Validation error in JSON body")]
    [InlineData("""{"vectors":{"size":4,"distance":"Hamming"}}""", 400, "Format error in JSON body")]
    [InlineData("""{"vectors":{"size":4,"distance":"Dot"},"shard_number":0}""", 422, "Validation error in JSON body")]
    [InlineData("""{"vectors":""", 400, "Format error in JSON body")]
    public async Task Bad_create_bodies_are_rejected(string body, int status, string prefix)
    {
        var response = await Http.PutAsync($"/collections/{Names.Unique("bad")}", body);
        Assert.Equal(status, response.Code);
        Assert.StartsWith(prefix, response.Error);
    }

    [Fact]
    public async Task Bad_collection_name_is_422()
    {
        var response = await Http.PutAsync("/collections/bad%3Aname", new { vectors = new { size = 2, distance = "Dot" } });
        Assert.Equal(422, response.Code);
        Assert.StartsWith("Validation error in path parameters", response.Error);
    }

    [Fact]
    public async Task Missing_collection_is_404()
    {
        var response = await Http.GetAsync("/collections/nope-x");
        Assert.Equal(404, response.Code);
        Assert.Equal("Not found: Collection `nope-x` doesn't exist!", response.Error);
        Assert.Null(response.Json["result"]);
    }

    [Fact]
    public async Task Payload_index_shows_in_payload_schema_with_point_count()
    {
        var name = Names.Unique("idx");
        await fixture.Host.SeedCollectionAsync(name, 50, 4);
        var created = await Http.PutAsync($"/collections/{name}/index?wait=true", new { field_name = "group", field_schema = "keyword" });
        Assert.Equal("completed", created.Result!["status"]!.GetValue<string>());
        await Http.PutAsync($"/collections/{name}/index", new { field_name = "i", field_schema = new { type = "integer", lookup = true } });

        var schema = (await Http.GetAsync($"/collections/{name}")).Result!["payload_schema"]!;
        Assert.Equal("keyword", schema["group"]!["data_type"]!.GetValue<string>());
        Assert.Equal(50, schema["group"]!["points"]!.GetValue<int>());
        Assert.Equal("integer", schema["i"]!["data_type"]!.GetValue<string>());

        await Http.DeleteAsync($"/collections/{name}/index/i");
        Assert.Null((await Http.GetAsync($"/collections/{name}")).Result!["payload_schema"]!["i"]);
    }
}
