using System.Net;
using System.Text.Json.Nodes;

namespace VectorDR.QdrantEmulator.Tests;

public sealed class AliasTests(EmulatorFixture fixture) : IClassFixture<EmulatorFixture>
{
    private QdrantHttp Http => fixture.Http;

    private static JsonObject Actions(params JsonObject[] actions) => new() { ["actions"] = new JsonArray(actions) };

    private static JsonObject Create(string collection, string alias) =>
        new() { ["create_alias"] = new JsonObject { ["collection_name"] = collection, ["alias_name"] = alias } };

    private async Task<string> NewCollectionAsync()
    {
        var name = Names.Unique("ac");
        await fixture.Host.SeedCollectionAsync(name, 3, 2);
        return name;
    }

    private async Task<string?> TargetOfAsync(string alias) =>
        (await Http.GetAsync("/aliases")).Result!["aliases"]!.AsArray()
        .FirstOrDefault(a => a!["alias_name"]!.GetValue<string>() == alias)?["collection_name"]!.GetValue<string>();

    [Fact]
    public async Task Create_alias_resolves_and_repoints_atomically()
    {
        var (blue, green, alias) = (await NewCollectionAsync(), await NewCollectionAsync(), Names.Unique("live"));
        Assert.True((await Http.PostAsync("/collections/aliases", Actions(Create(blue, alias)))).Result!.GetValue<bool>());
        Assert.Equal(blue, await TargetOfAsync(alias));
        Assert.Equal(3, (await Http.PostAsync($"/collections/{alias}/points/count", new { exact = true })).Result!["count"]!.GetValue<int>());

        await Http.PostAsync("/collections/aliases", Actions(Create(green, alias)));
        Assert.Equal(green, await TargetOfAsync(alias));
        var forGreen = (await Http.GetAsync($"/collections/{green}/aliases")).Result!["aliases"]!.AsArray();
        Assert.Single(forGreen);
        Assert.Empty((await Http.GetAsync($"/collections/{blue}/aliases")).Result!["aliases"]!.AsArray());
    }

    [Fact]
    public async Task Rename_and_delete()
    {
        var (collection, alias, renamed) = (await NewCollectionAsync(), Names.Unique("a"), Names.Unique("b"));
        await Http.PostAsync("/collections/aliases", Actions(Create(collection, alias)));
        await Http.PostAsync("/collections/aliases", Actions(new JsonObject
        {
            ["rename_alias"] = new JsonObject { ["old_alias_name"] = alias, ["new_alias_name"] = renamed },
        }));
        Assert.Null(await TargetOfAsync(alias));
        Assert.Equal(collection, await TargetOfAsync(renamed));

        var deleted = await Http.PostAsync("/collections/aliases", Actions(new JsonObject { ["delete_alias"] = new JsonObject { ["alias_name"] = renamed } }));
        Assert.Equal(HttpStatusCode.OK, deleted.Status);
        Assert.Null(await TargetOfAsync(renamed));
        // Deleting a missing alias is not an error.
        var again = await Http.PostAsync("/collections/aliases", Actions(new JsonObject { ["delete_alias"] = new JsonObject { ["alias_name"] = renamed } }));
        Assert.Equal(HttpStatusCode.OK, again.Status);
    }

    [Fact]
    public async Task Missing_target_is_404_and_alias_named_like_a_collection_is_409()
    {
        var collection = await NewCollectionAsync();
        var missing = await Http.PostAsync("/collections/aliases", Actions(Create("no-such-coll", Names.Unique("x"))));
        Assert.Equal(404, missing.Code);
        Assert.Equal("Not found: Collection `no-such-coll` doesn't exist!", missing.Error);

        var other = await NewCollectionAsync();
        var clash = await Http.PostAsync("/collections/aliases", Actions(Create(collection, other)));
        Assert.Equal(409, clash.Code);
    }

    [Fact]
    public async Task Failing_action_stops_the_rest_without_undoing_earlier_ones()
    {
        var collection = await NewCollectionAsync();
        var (first, third) = (Names.Unique("first"), Names.Unique("third"));
        var response = await Http.PostAsync("/collections/aliases", Actions(Create(collection, first), Create("missing-coll", "x"), Create(collection, third)));
        Assert.Equal(404, response.Code);
        Assert.Equal(collection, await TargetOfAsync(first));
        Assert.Null(await TargetOfAsync(third));
    }

    [Fact]
    public async Task A_collection_cannot_take_an_alias_name()
    {
        var (collection, alias) = (await NewCollectionAsync(), Names.Unique("al"));
        await Http.PostAsync("/collections/aliases", Actions(Create(collection, alias)));
        var response = await Http.PutAsync($"/collections/{alias}", new { vectors = new { size = 2, distance = "Dot" } });
        Assert.Equal(400, response.Code);
    }

    [Fact]
    public async Task Unknown_action_is_a_400_format_error()
    {
        var response = await Http.PostAsync("/collections/aliases", """{"actions":[{"swap_alias":{}}]}""");
        Assert.Equal(400, response.Code);
        Assert.StartsWith("Format error in JSON body", response.Error);
    }
}
