using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Testing;
using VectorDR.Qdrant.Tests.Support;

namespace VectorDR.Qdrant.Tests;

/// <summary>Snapshot downloads: streamed, Length from Content-Length, resumed with Range after a drop.</summary>
public sealed class DownloadTests
{
    private static readonly byte[] File = RandomNumberGenerator.GetBytes(1_000_000);

    /// <summary>Answers like Qdrant's static-file responder: 200 with Content-Length + ETag, 206 for Range requests.</summary>
    private static HttpResponseMessage Serve(HttpRequestMessage request, int? dropAfter = null, bool honourRange = true,
        bool cleanClose = false, string etag = "\"v1\"", long? rangeStartOverride = null)
    {
        var start = 0L;
        var partial = honourRange && request.Headers.Range is not null;
        if (partial) start = rangeStartOverride ?? request.Headers.Range!.Ranges.Single().From!.Value;
        var content = new StreamContent(new DroppingStream(File.AsMemory((int)start), dropAfter, cleanClose));
        content.Headers.ContentLength = File.Length - start;
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (partial) content.Headers.ContentRange = new ContentRangeHeaderValue(start, File.Length - 1, File.Length);
        var response = new HttpResponseMessage(partial ? HttpStatusCode.PartialContent : HttpStatusCode.OK) { Content = content };
        response.Headers.ETag = new EntityTagHeaderValue(etag);
        return response;
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, 64 * 1024);
        return copy.ToArray();
    }

    [Fact]
    public async Task A_drop_mid_body_is_resumed_with_a_range_request_and_the_bytes_are_identical()
    {
        var logger = new FakeLogger();
        var handler = new FakeQdrantHandler((request, call) => Serve(request, dropAfter: call == 1 ? 300_000 : null));
        using var client = TestClients.Create(handler, logger: logger);

        await using var stream = await client.OpenSnapshotAsync("docs", "docs-1.snapshot");
        Assert.Equal(File.Length, stream.Length);
        Assert.Equal(File.Length, stream.ContentLength);
        Assert.False(stream.CanSeek);
        Assert.Equal("docs-1.snapshot", stream.SnapshotName);

        var bytes = await ReadAllAsync(stream);

        Assert.Equal(SHA256.HashData(File), SHA256.HashData(bytes));
        Assert.Equal(File.Length, stream.Position);
        Assert.Equal(2, handler.Calls);
        var resume = handler.Requests[1];
        Assert.Equal("/collections/docs/snapshots/docs-1.snapshot", resume.PathAndQuery);
        Assert.Equal("bytes=300000-", resume.Headers.Range!.ToString());
        Assert.Equal("\"v1\"", resume.Headers.IfRange!.ToString());
        Assert.Equal(TestClients.ApiKey, resume.Header("api-key"));
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Message.Contains("broke at byte 300000 of 1000000"));
    }

    [Fact]
    public async Task Several_drops_with_progress_in_between_are_all_resumed()
    {
        var handler = new FakeQdrantHandler((request, call) => Serve(request, dropAfter: call <= 5 ? 150_000 : null));
        using var client = TestClients.Create(handler, maxResumeAttempts: 2);

        await using var stream = await client.OpenSnapshotAsync("docs", "s.snapshot");
        Assert.Equal(File, await ReadAllAsync(stream));
        Assert.Equal(6, handler.Calls);
    }

    [Fact]
    public async Task A_clean_close_before_content_length_is_a_drop_not_the_end()
    {
        var handler = new FakeQdrantHandler((request, call) => Serve(request, dropAfter: call == 1 ? 123_457 : null, cleanClose: true));
        using var client = TestClients.Create(handler);

        await using var stream = await client.OpenSnapshotAsync("docs", "s.snapshot");
        Assert.Equal(File, await ReadAllAsync(stream));
        Assert.Equal("bytes=123457-", handler.Requests[1].Headers.Range!.ToString());
    }

    [Fact]
    public async Task A_server_ignoring_range_is_fast_forwarded_to_the_offset()
    {
        var handler = new FakeQdrantHandler((request, call) => Serve(request, dropAfter: call == 1 ? 500_000 : null, honourRange: false));
        using var client = TestClients.Create(handler);

        await using var stream = await client.OpenSnapshotAsync("docs", "s.snapshot");
        Assert.Equal(File, await ReadAllAsync(stream));
    }

    [Fact]
    public async Task A_changed_file_fails_the_resume()
    {
        var handler = new FakeQdrantHandler((request, call) =>
            Serve(request, dropAfter: call == 1 ? 1000 : null, honourRange: false, etag: call == 1 ? "\"v1\"" : "\"v2\""));
        using var client = TestClients.Create(handler);

        await using var stream = await client.OpenSnapshotAsync("docs", "s.snapshot");
        var error = await Assert.ThrowsAsync<IOException>(() => ReadAllAsync(stream));
        Assert.Contains("changed on the server", error.Message);
        Assert.Equal(2, handler.Calls);
    }

    [Fact]
    public async Task A_partial_answer_at_the_wrong_offset_fails_clearly()
    {
        var handler = new FakeQdrantHandler((request, call) => Serve(request, dropAfter: call == 1 ? 1000 : null, rangeStartOverride: 0));
        using var client = TestClients.Create(handler);

        await using var stream = await client.OpenSnapshotAsync("docs", "s.snapshot");
        var error = await Assert.ThrowsAsync<IOException>(() => ReadAllAsync(stream));
        Assert.Contains("asked to resume at byte 1000", error.Message);
    }

    [Fact]
    public async Task Resuming_gives_up_after_the_configured_attempts_without_progress()
    {
        var handler = new FakeQdrantHandler((request, call) => Serve(request, dropAfter: call == 1 ? 10_000 : 0));
        using var client = TestClients.Create(handler, maxResumeAttempts: 3);

        await using var stream = await client.OpenSnapshotAsync("docs", "s.snapshot");
        var error = await Assert.ThrowsAsync<IOException>(() => ReadAllAsync(stream));

        Assert.Contains("broke at byte 10000 of 1000000", error.Message);
        Assert.Contains("gave up after 3 resume attempts", error.Message);
        Assert.Equal(4, handler.Calls);
    }

    [Fact]
    public async Task A_snapshot_deleted_during_the_download_fails_the_stream()
    {
        var handler = new FakeQdrantHandler((request, call) => call == 1
            ? Serve(request, dropAfter: 10)
            : FakeQdrantHandler.Error(HttpStatusCode.NotFound, "Not found: Snapshot s.snapshot"));
        using var client = TestClients.Create(handler);

        await using var stream = await client.OpenSnapshotAsync("docs", "s.snapshot");
        var error = await Assert.ThrowsAsync<IOException>(() => ReadAllAsync(stream));
        Assert.IsType<QdrantApiException>(error.InnerException);
        Assert.Contains("Not found: Snapshot s.snapshot", error.Message);
    }

    [Fact]
    public async Task Opening_a_missing_snapshot_throws_the_api_error()
    {
        var handler = new FakeQdrantHandler((_, _) => FakeQdrantHandler.Error(HttpStatusCode.NotFound, "Not found: Snapshot x.snapshot"));
        using var client = TestClients.Create(handler);
        var error = await Assert.ThrowsAsync<QdrantApiException>(() => client.OpenSnapshotAsync("docs", "x.snapshot"));
        Assert.Equal("GET /collections/docs/snapshots/x.snapshot", error.Operation);
    }

    [Fact]
    public async Task Opening_is_retried_on_503()
    {
        var handler = new FakeQdrantHandler((request, call) => call == 1
            ? FakeQdrantHandler.Error(HttpStatusCode.ServiceUnavailable, "busy")
            : Serve(request));
        using var client = TestClients.Create(handler);
        await using var stream = await client.OpenShardSnapshotAsync("docs", 1, "docs-shard-1.snapshot");
        Assert.Equal(File, await ReadAllAsync(stream));
        Assert.Equal("/collections/docs/shards/1/snapshots/docs-shard-1.snapshot", handler.Requests[1].PathAndQuery);
    }

    [Fact]
    public async Task Without_content_length_no_length_is_claimed()
    {
        var handler = new FakeQdrantHandler((_, _) => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(new DroppingStream(File.AsMemory(0, 5000), dropAfter: null)),
        });
        using var client = TestClients.Create(handler);

        await using var stream = await client.OpenSnapshotAsync("docs", "s.snapshot");
        Assert.Null(stream.ContentLength);
        Assert.False(stream.CanSeek);
        Assert.Throws<NotSupportedException>(() => stream.Length);
        Assert.Equal(5000, (await ReadAllAsync(stream)).Length);
    }

    [Fact]
    public async Task Shard_stream_reports_a_premature_end_as_an_io_error_and_does_not_retry()
    {
        var handler = new FakeQdrantHandler((_, _) =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StreamContent(new DroppingStream(File, dropAfter: 200_000)),
            };
            response.Content.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment")
            {
                FileName = "\"docs-shard-0-2026-11-23-10-00-00.snapshot\"",
            };
            return response;
        });
        using var client = TestClients.Create(handler);

        await using var stream = await client.OpenShardSnapshotStreamAsync("docs", 0);
        Assert.Equal("docs-shard-0-2026-11-23-10-00-00.snapshot", stream.SnapshotName);
        Assert.Null(stream.ContentLength);

        var error = await Assert.ThrowsAsync<IOException>(() => ReadAllAsync(stream));
        Assert.Contains("cannot be resumed", error.Message);
        Assert.Contains("byte 200000", error.Message);
        Assert.Equal("/collections/docs/shards/0/snapshot", Assert.Single(handler.Requests).PathAndQuery);
    }

    [Fact]
    public async Task Shard_stream_reads_to_the_end()
    {
        var handler = new FakeQdrantHandler((_, _) => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(new DroppingStream(File, dropAfter: null)),
        });
        using var client = TestClients.Create(handler);

        await using var stream = await client.OpenShardSnapshotStreamAsync("docs", 4);
        Assert.Equal("docs-shard-4.snapshot", stream.SnapshotName);
        Assert.Equal(File, await ReadAllAsync(stream));
    }

    [Fact]
    public async Task Synchronous_reads_work_too()
    {
        var handler = new FakeQdrantHandler((request, call) => Serve(request, dropAfter: call == 1 ? 777 : null));
        using var client = TestClients.Create(handler);
        await using var stream = await client.OpenSnapshotAsync("docs", "s.snapshot");
        using var copy = new MemoryStream();
#pragma warning disable CA1849 // exercising the synchronous Stream API on purpose
        stream.CopyTo(copy);
#pragma warning restore CA1849
        Assert.Equal(File, copy.ToArray());
    }
}
