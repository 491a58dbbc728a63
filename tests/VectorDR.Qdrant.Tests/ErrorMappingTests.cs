using System.Net;
using VectorDR.Core.Errors;
using VectorDR.Qdrant.Tests.Support;

namespace VectorDR.Qdrant.Tests;

/// <summary>Qdrant's refusals become <see cref="QdrantApiException"/> with Qdrant's own words; no answer becomes <see cref="QdrantUnreachableException"/>.</summary>
public sealed class ErrorMappingTests
{
    [Fact]
    public async Task Error_envelope_gives_qdrant_message_status_and_operation()
    {
        var handler = new FakeQdrantHandler((_, _) => FakeQdrantHandler.Error(HttpStatusCode.NotFound, "Not found: Collection `docs` doesn't exist!"));
        using var client = TestClients.Create(handler);

        var error = await Assert.ThrowsAsync<QdrantApiException>(() => client.GetCollectionAsync("docs"));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Equal("Not found: Collection `docs` doesn't exist!", error.QdrantMessage);
        Assert.Equal("GET /collections/docs", error.Operation);
        Assert.Equal("Qdrant refused GET /collections/docs: 404 Not found: Collection `docs` doesn't exist!", error.Message);
        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task Unauthorized_plain_text_body_is_the_message()
    {
        var handler = new FakeQdrantHandler((_, _) => FakeQdrantHandler.Text(HttpStatusCode.Unauthorized, "Must provide an API key or an Authorization bearer token"));
        using var client = TestClients.Create(handler, apiKey: null);

        var error = await Assert.ThrowsAsync<QdrantApiException>(() => client.ListCollectionsAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Equal("Must provide an API key or an Authorization bearer token", error.QdrantMessage);
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task Forbidden_envelope_is_read()
    {
        var handler = new FakeQdrantHandler((_, _) => FakeQdrantHandler.Error(HttpStatusCode.Forbidden, "Forbidden: Global manage access is required"));
        using var client = TestClients.Create(handler);

        var error = await Assert.ThrowsAsync<QdrantApiException>(() =>
            client.RecoverSnapshotAsync("docs", new SnapshotRecoverRequest(new Uri("https://s3.example/b/k?X-Amz-Signature=abc"))));

        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
        Assert.Equal("Forbidden: Global manage access is required", error.QdrantMessage);
        Assert.Equal("PUT /collections/docs/snapshots/recover", error.Operation);
        Assert.DoesNotContain("Signature", error.Message);
    }

    [Fact]
    public async Task Html_error_page_from_a_proxy_is_handled_gracefully()
    {
        var html = "<html><body>" + new string('x', 5000) + "</body></html>";
        var handler = new FakeQdrantHandler((_, _) => new HttpResponseMessage(HttpStatusCode.BadGateway)
        {
            Content = new StringContent(html, System.Text.Encoding.UTF8, "text/html"),
        });
        using var client = TestClients.Create(handler, maxAttempts: 1);

        var error = await Assert.ThrowsAsync<QdrantApiException>(() => client.ListCollectionsAsync());

        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
        Assert.StartsWith("<html><body>xxx", error.QdrantMessage);
        Assert.True(error.QdrantMessage.Length < 1100, "a huge page is truncated");
        Assert.Equal(ErrorKind.OperationFailed, error.Kind);
    }

    [Fact]
    public async Task Empty_error_body_falls_back_to_the_reason_phrase()
    {
        var handler = new FakeQdrantHandler((_, _) => new HttpResponseMessage(HttpStatusCode.Conflict) { ReasonPhrase = "Conflict" });
        using var client = TestClients.Create(handler);
        var error = await Assert.ThrowsAsync<QdrantApiException>(() =>
            client.CreateCollectionAsync("docs", new System.Text.Json.Nodes.JsonObject()));
        Assert.Equal("Conflict", error.QdrantMessage);
    }

    [Fact]
    public async Task Json_error_body_with_unexpected_shape_is_kept_as_text()
    {
        var handler = new FakeQdrantHandler((_, _) => FakeQdrantHandler.Json(HttpStatusCode.BadRequest, """{"detail":"odd"}"""));
        using var client = TestClients.Create(handler);
        var error = await Assert.ThrowsAsync<QdrantApiException>(() => client.ListCollectionsAsync());
        Assert.Equal("""{"detail":"odd"}""", error.QdrantMessage);
    }

    [Fact]
    public async Task Connection_refused_names_the_endpoint_without_credentials()
    {
        var handler = new FakeQdrantHandler((_, _) => throw FakeQdrantHandler.ConnectionRefused());
        using var client = TestClients.Create(handler, maxAttempts: 3, endpoint: new Uri("http://admin:hunter2@qdrant.test:6333/"));

        var error = await Assert.ThrowsAsync<QdrantUnreachableException>(() => client.ListCollectionsAsync());

        Assert.Contains("http://qdrant.test:6333/", error.Message);
        Assert.Contains("GET /collections", error.Message);
        Assert.Contains("gave up after 3 attempts", error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
        Assert.DoesNotContain("admin", error.Message);
        Assert.Equal(new Uri("http://qdrant.test:6333/"), client.BaseAddress);
        Assert.Equal(3, handler.Calls);
        Assert.Equal(ErrorKind.OperationFailed, error.Kind);
    }

    [Fact]
    public async Task Caller_cancellation_is_not_turned_into_an_error()
    {
        using var cts = new CancellationTokenSource();
        var handler = FakeQdrantHandler.Async(async (_, _) =>
        {
            await cts.CancelAsync();
            cts.Token.ThrowIfCancellationRequested();
            return FakeQdrantHandler.Ok("{}");
        });
        using var client = TestClients.Create(handler);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ListCollectionsAsync(cts.Token));
        Assert.Equal(1, handler.Calls);
    }
}
