using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace VectorDR.QdrantEmulator.Tests;

public sealed class FaultTests : IAsyncLifetime
{
    private QdrantEmulatorHost _host = null!;
    private QdrantHttp _http = null!;

    public async Task InitializeAsync()
    {
        _host = await QdrantEmulatorHost.StartAsync(new QdrantEmulatorOptions { SegmentPoints = 100 });
        _http = new QdrantHttp(_host.BaseAddress);
        await _host.SeedCollectionAsync("c", 2000, 32, shards: 2);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Cut_stream_aborts_after_the_200_and_some_bytes()
    {
        _host.Faults.CutStreamsAfterBytes(10_000);
        using var response = await _http.Client.GetAsync("/collections/c/shards/0/snapshot", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync();
        var received = 0L;
        var buffer = new byte[8192];
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            int read;
            while ((read = await body.ReadAsync(buffer)) > 0)
            {
                received += read;
            }
        });
        Assert.InRange(received, 0, 10_000);
        Assert.Equal(10_000, _host.Stats.SnapshotBytesSent); // bytes that went out before the cut are counted

        // One-shot: the next stream is complete.
        using var next = await _http.Client.GetAsync("/collections/c/shards/0/snapshot");
        Assert.True((await next.Content.ReadAsByteArrayAsync()).Length > 100_000);
    }

    [Fact]
    public async Task Cut_download_with_content_length_is_short_and_fails()
    {
        var name = (await _http.PostAsync("/collections/c/snapshots")).Result!["name"]!.GetValue<string>();
        _host.Faults.CutStreamsAfterBytes(50_000);
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var response = await _http.Client.GetAsync($"/collections/c/snapshots/{name}");
            await response.Content.ReadAsByteArrayAsync();
        });
    }

    [Fact]
    public async Task Fail_next_requests_with_503_then_recover()
    {
        _host.Faults.FailNextRequests(2, 503);
        Assert.Equal(503, (await _http.GetAsync("/collections")).Code);
        var second = await _http.GetAsync("/collections/c");
        Assert.Equal(503, second.Code);
        Assert.NotNull(second.Error);
        Assert.Equal(200, (await _http.GetAsync("/collections")).Code);
    }

    [Fact]
    public async Task Rate_limit_fault_sends_retry_after()
    {
        _host.Faults.FailNextRequests(1, 429, TimeSpan.FromSeconds(2));
        var response = await _http.GetAsync("/collections");
        Assert.Equal(429, response.Code);
        Assert.Equal(TimeSpan.FromSeconds(2), response.Message.Headers.RetryAfter!.Delta);
        Assert.StartsWith("Rate limiting exceeded:", response.Error);
    }

    [Fact]
    public async Task Reset_connection_gives_the_client_a_transport_error()
    {
        _host.Faults.ResetNextConnections(1);
        await Assert.ThrowsAsync<HttpRequestException>(() => _http.Client.GetAsync("/collections"));
        Assert.Equal(HttpStatusCode.OK, (await _http.Client.GetAsync("/collections")).StatusCode);
    }

    [Fact]
    public async Task Delay_slows_the_next_requests()
    {
        _host.Faults.DelayNextRequests(TimeSpan.FromMilliseconds(300), 1);
        var watch = Stopwatch.StartNew();
        await _http.GetAsync("/collections");
        Assert.True(watch.ElapsedMilliseconds >= 250, $"{watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Faults_can_be_armed_and_cleared_over_http_and_stats_count_requests()
    {
        var armed = await _http.PostAsync("/__emulator/faults", new JsonObject { ["fail_next"] = new JsonObject { ["count"] = 5, ["status"] = 500 } });
        Assert.Equal(5, armed.Json["fail_next"]!["count"]!.GetValue<int>());
        Assert.Equal(500, (await _http.GetAsync("/collections")).Code);
        await _http.DeleteAsync("/__emulator/faults");
        Assert.Equal(200, (await _http.GetAsync("/collections")).Code);

        var stats = await _http.GetAsync("/__emulator/stats");
        Assert.True(stats.Json["by_route"]!["GET /collections"]!.GetValue<long>() >= 2);
        Assert.True(_host.Stats.RequestsTo("GET", "/collections") >= 2);
    }
}
