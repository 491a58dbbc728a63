using System.Net;
using Microsoft.Extensions.Logging.Testing;
using VectorDR.Qdrant.Tests.Support;

namespace VectorDR.Qdrant.Tests;

/// <summary>The API key goes in the <c>api-key</c> header of every request and nowhere else.</summary>
public sealed class SecretHandlingTests
{
    [Fact]
    public async Task Api_key_header_is_sent_on_every_request_including_retries()
    {
        var handler = new FakeQdrantHandler((_, call) => call == 1
            ? FakeQdrantHandler.Error(HttpStatusCode.ServiceUnavailable, "busy")
            : FakeQdrantHandler.Ok("""{"collections":[]}"""));
        using var client = TestClients.Create(handler);

        await client.ListCollectionsAsync();

        Assert.All(handler.Requests, r => Assert.Equal(TestClients.ApiKey, r.Header("api-key")));
        Assert.All(handler.Requests, r => Assert.Null(r.Headers.Authorization));
    }

    [Fact]
    public async Task No_api_key_header_without_a_key()
    {
        var handler = new FakeQdrantHandler((_, _) => FakeQdrantHandler.Ok("""{"collections":[]}"""));
        using var client = TestClients.Create(handler, apiKey: null);
        await client.ListCollectionsAsync();
        Assert.Null(Assert.Single(handler.Requests).Header("api-key"));
    }

    [Fact]
    public async Task Api_key_never_appears_in_exceptions_or_logs()
    {
        var logger = new FakeLogger();
        // A hostile or buggy server echoing the key back must not get it into our messages either.
        var handler = new FakeQdrantHandler((request, call) => call switch
        {
            1 => FakeQdrantHandler.Error(HttpStatusCode.ServiceUnavailable, $"busy, key {TestClients.ApiKey}"),
            2 => throw FakeQdrantHandler.ConnectionReset(),
            _ => FakeQdrantHandler.Text(HttpStatusCode.Unauthorized, $"Invalid API key or JWT: {TestClients.ApiKey}"),
        });
        using var client = TestClients.Create(handler, logger: logger);

        var error = await Assert.ThrowsAsync<QdrantApiException>(() => client.ListCollectionsAsync());
        var unreachable = await Assert.ThrowsAsync<QdrantUnreachableException>(() =>
            TestClients.Create(new FakeQdrantHandler((_, _) => throw FakeQdrantHandler.ConnectionRefused()), logger: logger)
                .ListCollectionsAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Contains("Invalid API key or JWT", error.Message);
        foreach (var text in new[] { error.Message, error.QdrantMessage, error.ToString(), unreachable.ToString() })
            Assert.DoesNotContain(TestClients.ApiKey, text);

        var logs = logger.Collector.GetSnapshot();
        Assert.NotEmpty(logs);
        Assert.All(logs, record =>
        {
            Assert.DoesNotContain(TestClients.ApiKey, record.Message);
            Assert.DoesNotContain(TestClients.ApiKey, string.Join(";", record.StructuredState?.Select(kv => kv.Value) ?? []));
        });
    }

    [Fact]
    public void Options_and_recover_requests_do_not_print_secrets()
    {
        var options = TestClients.Options();
        options.Endpoint = new Uri("https://user:pw@qdrant.test:6333/");
        Assert.DoesNotContain(TestClients.ApiKey, options.ToString());
        Assert.DoesNotContain("pw@", options.ToString());

        var recover = new SnapshotRecoverRequest(new Uri("https://bucket.s3.example/k.snapshot?X-Amz-Signature=deadbeef"),
            SnapshotPriority.Snapshot, null, TestClients.ApiKey);
        Assert.DoesNotContain(TestClients.ApiKey, recover.ToString());
        Assert.DoesNotContain("deadbeef", recover.ToString());
        Assert.Contains("https://bucket.s3.example/k.snapshot", recover.ToString());

        var shard = ShardSnapshotRecoverRequest.FromUrl(new Uri("https://h/s?sig=deadbeef"), apiKey: TestClients.ApiKey);
        Assert.DoesNotContain(TestClients.ApiKey, shard.ToString());
        Assert.DoesNotContain("deadbeef", shard.ToString());
        Assert.Contains("local.snapshot", ShardSnapshotRecoverRequest.FromLocalSnapshot("local.snapshot").ToString());
    }

    [Fact]
    public void Redirects_are_not_followed_so_the_key_cannot_be_forwarded()
    {
        // The owned handler is a SocketsHttpHandler with AllowAutoRedirect off; a custom header would survive a redirect.
        using var handler = Http.QdrantHandlerFactory.Create(TestClients.Options(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        Assert.False(handler.AllowAutoRedirect);
        Assert.Equal(TimeSpan.FromSeconds(15), handler.ConnectTimeout);
    }

    [Fact]
    public void No_client_side_timeout_can_kill_a_long_snapshot_call()
    {
        using var client = new QdrantClient(new QdrantClientOptions());
        Assert.Equal(Timeout.InfiniteTimeSpan, client.RequestTimeout);
    }
}
