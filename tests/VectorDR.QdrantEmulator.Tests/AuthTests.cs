using System.Net;
using System.Net.Http.Headers;

namespace VectorDR.QdrantEmulator.Tests;

public sealed class AuthFixture : IAsyncLifetime
{
    public const string Key = "rw-secret";
    public const string ReadOnlyKey = "ro-secret";

    public QdrantEmulatorHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await QdrantEmulatorHost.StartAsync(new QdrantEmulatorOptions { ApiKey = Key, ReadOnlyApiKey = ReadOnlyKey });
        await Host.SeedCollectionAsync("docs", 20, 4);
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class AuthTests(AuthFixture fixture) : IClassFixture<AuthFixture>
{
    private QdrantHttp As(string? key) => new(fixture.Host.BaseAddress, key);

    [Fact]
    public async Task Missing_key_is_401_plain_text()
    {
        using var http = As(null);
        var response = await http.GetAsync("/collections");
        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("Must provide an API key or an Authorization bearer token", response.Body);
        Assert.Equal("text/plain", response.Message.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Invalid_key_is_401_plain_text()
    {
        using var http = As("wrong");
        var response = await http.GetAsync("/collections");
        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("Invalid API key or JWT", response.Body);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    [InlineData("/livez")]
    public async Task Probes_and_root_need_no_key(string path)
    {
        using var http = As(null);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(path)).Status);
    }

    [Fact]
    public async Task Api_key_header_and_bearer_token_both_work()
    {
        using var http = As(AuthFixture.Key);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/collections")).Status);
        using var bearer = As(null);
        var response = await bearer.SendAsync(HttpMethod.Get, "/collections", configure: r =>
            r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AuthFixture.Key));
        Assert.Equal(HttpStatusCode.OK, response.Status);
    }

    [Fact]
    public async Task Read_only_key_reads_and_downloads()
    {
        using var rw = As(AuthFixture.Key);
        var snapshot = (await rw.PostAsync("/collections/docs/snapshots")).Result!["name"]!.GetValue<string>();
        using var ro = As(AuthFixture.ReadOnlyKey);
        Assert.Equal(HttpStatusCode.OK, (await ro.GetAsync("/collections/docs")).Status);
        Assert.Equal(HttpStatusCode.OK, (await ro.PostAsync("/collections/docs/points/count", new { exact = true })).Status);
        Assert.Equal(HttpStatusCode.OK, (await ro.PostAsync("/collections/docs/points/scroll", new { limit = 2 })).Status);
        Assert.Equal(HttpStatusCode.OK, (await ro.PostAsync("/collections/docs/points/query", new { query = new[] { 1f, 0, 0, 0 } })).Status);
        Assert.Equal(HttpStatusCode.OK, (await ro.GetAsync("/collections/docs/snapshots")).Status);
        Assert.Equal(HttpStatusCode.OK, (await ro.GetAsync($"/collections/docs/snapshots/{snapshot}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await ro.GetAsync("/collections/docs/cluster")).Status);
    }

    [Theory]
    [InlineData("PUT", "/collections/newone", """{"vectors":{"size":2,"distance":"Dot"}}""")]
    [InlineData("DELETE", "/collections/docs", null)]
    [InlineData("POST", "/collections/docs/snapshots", null)]
    [InlineData("PUT", "/collections/docs/points", """{"points":[{"id":1,"vector":[1,2,3,4]}]}""")]
    [InlineData("POST", "/collections/aliases", """{"actions":[]}""")]
    [InlineData("PUT", "/collections/docs/snapshots/recover", """{"location":"http://127.0.0.1:1/x.snapshot"}""")]
    [InlineData("POST", "/collections/docs/shards/0/snapshots", null)]
    [InlineData("GET", "/collections/docs/shards/0/snapshot", null)]
    [InlineData("PUT", "/collections/docs/shards/0/snapshots/recover", """{"location":"x.snapshot"}""")]
    public async Task Read_only_key_cannot_write_or_manage(string method, string path, string? body)
    {
        using var ro = As(AuthFixture.ReadOnlyKey);
        var response = await ro.SendAsync(new HttpMethod(method), path, body);
        Assert.Equal(HttpStatusCode.Forbidden, response.Status);
        Assert.Equal("Forbidden: Global manage access is required", response.Error);
    }

    [Fact]
    public async Task Read_only_upload_is_refused_before_the_body_is_spooled()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(file, new byte[4 << 20]);
            using var ro = As(AuthFixture.ReadOnlyKey);
            var response = await ro.UploadAsync("/collections/docs/snapshots/upload", file);
            Assert.Equal(HttpStatusCode.Forbidden, response.Status);
            Assert.Equal("Forbidden: Global manage access is required", response.Error);
            var shard = await ro.UploadAsync("/collections/docs/shards/0/snapshots/upload", file);
            Assert.Equal(HttpStatusCode.Forbidden, shard.Status);
            var uploads = Path.Combine(fixture.Host.SnapshotsDirectory, "tmp", "upload");
            Assert.True(!Directory.Exists(uploads) || !Directory.EnumerateFiles(uploads).Any());
            Assert.DoesNotContain(Directory.EnumerateFiles(Path.Combine(fixture.Host.SnapshotsDirectory)), f => f.EndsWith(".tmp", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Recover_from_url_sends_api_key_from_the_body()
    {
        using var rw = As(AuthFixture.Key);
        var snapshot = (await rw.PostAsync("/collections/docs/snapshots")).Result!["name"]!.GetValue<string>();
        var url = new Uri(fixture.Host.BaseAddress, $"collections/docs/snapshots/{snapshot}").AbsoluteUri;

        var withoutKey = await rw.PutAsync("/collections/copy-nokey/snapshots/recover", new { location = url });
        Assert.Equal(400, withoutKey.Code); // the emulator's own download got a 401: the caller's key is not forwarded

        var withKey = await rw.PutAsync("/collections/copy-key/snapshots/recover", new { location = url, api_key = AuthFixture.ReadOnlyKey });
        Assert.Equal(HttpStatusCode.OK, withKey.Status);
        Assert.Equal(20, (await rw.PostAsync("/collections/copy-key/points/count", new { })).Result!["count"]!.GetValue<int>());
    }
}
