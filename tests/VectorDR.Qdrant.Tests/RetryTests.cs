using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using VectorDR.Core;
using VectorDR.Qdrant.Tests.Support;

namespace VectorDR.Qdrant.Tests;

/// <summary>Which failures are retried for which calls, how long the client waits, and how it gives up.</summary>
public sealed class RetryTests
{
    private static FakeQdrantHandler FailThenSucceed(int failures, Func<HttpResponseMessage> failure, string okResult = """{"collections":[]}""") =>
        new((_, call) => call <= failures ? failure() : FakeQdrantHandler.Ok(okResult));

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.GatewayTimeout)]
    [InlineData(HttpStatusCode.RequestTimeout)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    public async Task Reads_are_retried_on_transient_statuses(HttpStatusCode status)
    {
        var handler = FailThenSucceed(2, () => FakeQdrantHandler.Error(status, "Shard temporarily unavailable: try later"));
        using var client = TestClients.Create(handler);

        Assert.Empty(await client.ListCollectionsAsync());
        Assert.Equal(3, handler.Calls);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.Conflict)]
    [InlineData(HttpStatusCode.UnprocessableEntity)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.NotImplemented)]
    [InlineData(HttpStatusCode.InsufficientStorage)]
    public async Task Final_answers_are_not_retried(HttpStatusCode status)
    {
        var handler = FailThenSucceed(10, () => FakeQdrantHandler.Error(status, "Wrong input: no"));
        using var client = TestClients.Create(handler);

        var error = await Assert.ThrowsAsync<QdrantApiException>(() => client.ListCollectionsAsync());

        Assert.Equal(status, error.StatusCode);
        Assert.Equal(1, handler.Calls);
        Assert.Equal(1, error.Attempts);
        Assert.DoesNotContain("attempts", error.Message);
    }

    [Fact]
    public async Task After_the_last_attempt_the_error_says_how_many_were_made()
    {
        var handler = FailThenSucceed(100, () => FakeQdrantHandler.Error(HttpStatusCode.ServiceUnavailable, "Shard temporarily unavailable: x"));
        using var client = TestClients.Create(handler, maxAttempts: 4);

        var error = await Assert.ThrowsAsync<QdrantApiException>(() => client.CountAsync("docs"));

        Assert.Equal(4, handler.Calls);
        Assert.Equal(4, error.Attempts);
        Assert.Contains("(gave up after 4 attempts)", error.Message);
        Assert.Equal("Shard temporarily unavailable: x", error.QdrantMessage);
    }

    [Fact]
    public async Task Connection_reset_is_retried_for_reads()
    {
        var handler = new FakeQdrantHandler((_, call) => call == 1 ? throw FakeQdrantHandler.ConnectionReset() : FakeQdrantHandler.Ok("""{"count":3}"""));
        using var client = TestClients.Create(handler);
        Assert.Equal(3, await client.CountAsync("docs"));
        Assert.Equal(2, handler.Calls);
    }

    [Fact]
    public async Task Upsert_with_explicit_ids_is_retried()
    {
        var handler = FailThenSucceed(1, () => FakeQdrantHandler.Error(HttpStatusCode.ServiceUnavailable, "busy"),
            """{"operation_id":1,"status":"completed"}""");
        using var client = TestClients.Create(handler);
        await client.UpsertAsync("docs", [new PointStruct(PointId.FromNumber(1), new JsonArray(1f))]);
        Assert.Equal(2, handler.Calls);
    }

    [Fact]
    public async Task Retry_after_seconds_is_honoured()
    {
        var time = new FakeTimeProvider();
        var logger = new FakeLogger();
        var handler = new FakeQdrantHandler((_, call) =>
        {
            if (call > 1) return FakeQdrantHandler.Ok("""{"collections":[]}""");
            var response = FakeQdrantHandler.Error(HttpStatusCode.TooManyRequests, "Rate limiting exceeded: Write rate limit exceeded");
            response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(7));
            return response;
        });
        using var client = TestClients.Create(handler, logger: logger, time: time);

        var call = client.ListCollectionsAsync();
        await WaitForRetryLogAsync(logger);

        time.Advance(TimeSpan.FromSeconds(6.9));
        await Task.Delay(100);
        Assert.False(call.IsCompleted, "must still be waiting: Retry-After is 7 s");
        Assert.Equal(1, handler.Calls);

        time.Advance(TimeSpan.FromMilliseconds(200));
        await call.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, handler.Calls);
        Assert.Contains("retrying in 7000 ms", logger.Collector.GetSnapshot().Single(r => r.Level == Microsoft.Extensions.Logging.LogLevel.Warning).Message);
    }

    [Fact]
    public async Task Retry_after_http_date_is_honoured()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        var logger = new FakeLogger();
        var handler = new FakeQdrantHandler((_, call) =>
        {
            if (call > 1) return FakeQdrantHandler.Ok("""{"collections":[]}""");
            var response = FakeQdrantHandler.Error(HttpStatusCode.ServiceUnavailable, "Shard temporarily unavailable: x");
            response.Headers.RetryAfter = new RetryConditionHeaderValue(time.GetUtcNow().AddSeconds(12));
            return response;
        });
        using var client = TestClients.Create(handler, logger: logger, time: time);

        var call = client.ListCollectionsAsync();
        await WaitForRetryLogAsync(logger);
        time.Advance(TimeSpan.FromSeconds(11));
        await Task.Delay(100);
        Assert.False(call.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(1.1));
        await call.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("retrying in 12000 ms", logger.Collector.GetSnapshot().Single(r => r.Level == Microsoft.Extensions.Logging.LogLevel.Warning).Message);
    }

    [Fact]
    public async Task Cancelling_during_backoff_stops_at_once()
    {
        var time = new FakeTimeProvider();
        var logger = new FakeLogger();
        var handler = FailThenSucceed(10, () =>
        {
            var response = FakeQdrantHandler.Error(HttpStatusCode.TooManyRequests, "slow down");
            response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromMinutes(1));
            return response;
        });
        using var client = TestClients.Create(handler, logger: logger, time: time);
        using var cts = new CancellationTokenSource();

        var call = client.ListCollectionsAsync(cts.Token);
        await WaitForRetryLogAsync(logger);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task Snapshot_create_is_not_retried_on_server_errors()
    {
        var handler = FailThenSucceed(10, () => FakeQdrantHandler.Error(HttpStatusCode.ServiceUnavailable, "busy"));
        using var client = TestClients.Create(handler);

        await Assert.ThrowsAsync<QdrantApiException>(() => client.CreateSnapshotAsync("docs"));
        await Assert.ThrowsAsync<QdrantApiException>(() => client.CreateShardSnapshotAsync("docs", 0));
        Assert.Equal(2, handler.Calls);
    }

    [Fact]
    public async Task Snapshot_create_is_not_retried_after_a_drop_once_sent()
    {
        // Qdrant goes on building the snapshot after the disconnect: a retry would build a second one.
        var handler = new FakeQdrantHandler((_, _) => throw FakeQdrantHandler.ConnectionReset());
        using var client = TestClients.Create(handler);

        var error = await Assert.ThrowsAsync<QdrantUnreachableException>(() => client.CreateSnapshotAsync("docs"));

        Assert.Equal(1, handler.Calls);
        Assert.Contains("POST /collections/docs/snapshots", error.Message);
    }

    [Fact]
    public async Task Snapshot_create_is_retried_when_the_connection_was_refused()
    {
        var handler = new FakeQdrantHandler((_, call) => call == 1
            ? throw FakeQdrantHandler.ConnectionRefused()
            : FakeQdrantHandler.Ok("""{"name":"s.snapshot","size":1,"creation_time":null}"""));
        using var client = TestClients.Create(handler);

        Assert.Equal("s.snapshot", (await client.CreateSnapshotAsync("docs")).Name);
        Assert.Equal(2, handler.Calls);
    }

    [Fact]
    public async Task Non_idempotent_calls_are_not_retried_on_5xx()
    {
        var handler = FailThenSucceed(100, () => FakeQdrantHandler.Error(HttpStatusCode.InternalServerError, "boom"));
        using var client = TestClients.Create(handler);

        await Assert.ThrowsAsync<QdrantApiException>(() => client.CreateCollectionAsync("docs", new JsonObject()));
        await Assert.ThrowsAsync<QdrantApiException>(() =>
            client.RecoverSnapshotAsync("docs", new SnapshotRecoverRequest(new Uri("http://x/s.snapshot"))));
        await Assert.ThrowsAsync<QdrantApiException>(() =>
            client.RecoverShardSnapshotAsync("docs", 1, ShardSnapshotRecoverRequest.FromLocalSnapshot("s.snapshot")));
        await Assert.ThrowsAsync<QdrantApiException>(() =>
            client.UpdateAliasesAsync([new AliasOperation.Rename("a", "b")]));
        await Assert.ThrowsAsync<QdrantApiException>(() =>
            client.UploadSnapshotAsync("docs", new MemoryStream([1, 2, 3]), "s.snapshot", null, null));

        Assert.Equal(5, handler.Calls);
    }

    [Fact]
    public async Task Alias_create_and_delete_are_retried()
    {
        var handler = FailThenSucceed(1, () => FakeQdrantHandler.Error(HttpStatusCode.ServiceUnavailable, "busy"), "true");
        using var client = TestClients.Create(handler);
        await client.UpdateAliasesAsync([new AliasOperation.Delete("prod"), new AliasOperation.Create("prod", "docs-v2")]);
        Assert.Equal(2, handler.Calls);
    }

    [Fact]
    public async Task Deleting_a_snapshot_that_a_lost_attempt_already_deleted_succeeds()
    {
        var handler = new FakeQdrantHandler((_, call) => call == 1
            ? throw FakeQdrantHandler.ConnectionReset()
            : FakeQdrantHandler.Error(HttpStatusCode.NotFound, "Not found: Snapshot s.snapshot"));
        using var client = TestClients.Create(handler);

        await client.DeleteSnapshotAsync("docs", "s.snapshot");
        Assert.Equal(2, handler.Calls);
    }

    [Fact]
    public async Task Deleting_a_missing_snapshot_fails()
    {
        var handler = new FakeQdrantHandler((_, _) => FakeQdrantHandler.Error(HttpStatusCode.NotFound, "Not found: Snapshot s.snapshot"));
        using var client = TestClients.Create(handler);

        var error = await Assert.ThrowsAsync<QdrantApiException>(() => client.DeleteShardSnapshotAsync("docs", 0, "s.snapshot"));
        Assert.Equal("DELETE /collections/docs/shards/0/snapshots/s.snapshot", error.Operation);
    }

    [Fact]
    public async Task Tls_failures_are_not_retried()
    {
        var handler = new FakeQdrantHandler((_, _) =>
            throw new HttpRequestException(HttpRequestError.SecureConnectionError, "The SSL connection could not be established",
                new System.Security.Authentication.AuthenticationException("The remote certificate is invalid")));
        using var client = TestClients.Create(handler);

        var error = await Assert.ThrowsAsync<QdrantUnreachableException>(() => client.ListCollectionsAsync());
        Assert.Contains("TLS", error.Message);
        Assert.Equal(1, handler.Calls);
    }

    private static async Task WaitForRetryLogAsync(FakeLogger logger)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!logger.Collector.GetSnapshot().Any(r => r.Message.Contains("retrying", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, "the client never logged a retry");
            await Task.Delay(5);
        }
        // The log line is written just before the delay timer is armed; give that a moment.
        await Task.Delay(50);
    }
}
