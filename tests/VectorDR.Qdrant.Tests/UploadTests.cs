using System.Net;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using VectorDR.Qdrant.Tests.Support;

namespace VectorDR.Qdrant.Tests;

/// <summary>Snapshot uploads: multipart part <c>snapshot</c>, query parameters, streamed without buffering.</summary>
public sealed class UploadTests
{
    [Fact]
    public async Task Upload_is_a_multipart_snapshot_part_with_priority_and_checksum_in_the_query()
    {
        var payload = Enumerable.Range(0, 10_000).Select(i => (byte)i).ToArray();
        string? partName = null, fileName = null;
        byte[]? received = null;
        var handler = FakeQdrantHandler.Async(async (request, _) =>
        {
            var boundary = HeaderUtilities.RemoveQuotes(
                MediaTypeHeaderValue.Parse(request.Content!.Headers.ContentType!.ToString()).Boundary).Value!;
            var reader = new MultipartReader(boundary, await request.Content.ReadAsStreamAsync());
            var section = (await reader.ReadNextSectionAsync())!;
            var disposition = ContentDispositionHeaderValue.Parse(section.ContentDisposition);
            partName = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
            fileName = HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
            using var copy = new MemoryStream();
            await section.Body.CopyToAsync(copy);
            received = copy.ToArray();
            Assert.Null(await reader.ReadNextSectionAsync());
            return FakeQdrantHandler.Ok("true");
        });
        handler = WithoutCapture(handler);
        using var client = TestClients.Create(handler);
        var checksum = new string('0', 63) + "f";

        await client.UploadSnapshotAsync("docs", new MemoryStream(payload), "docs-1.snapshot", SnapshotPriority.NoSync, checksum);

        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal($"/collections/docs/snapshots/upload?wait=true&priority=no_sync&checksum={checksum}", request.PathAndQuery);
        Assert.Equal("snapshot", partName);
        Assert.Equal("docs-1.snapshot", fileName);
        Assert.Equal(payload, received);
        Assert.Equal(TestClients.ApiKey, request.Header("api-key"));
    }

    [Fact]
    public async Task Shard_upload_goes_to_the_shard_path_and_omits_absent_options()
    {
        var handler = new FakeQdrantHandler((_, _) => FakeQdrantHandler.Ok("true"));
        using var client = TestClients.Create(handler);
        await client.UploadShardSnapshotAsync("docs", 2, new MemoryStream([1, 2, 3]), "docs-shard-2.snapshot", null, null);
        Assert.Equal("/collections/docs/shards/2/snapshots/upload?wait=true", Assert.Single(handler.Requests).PathAndQuery);
    }

    [Fact]
    public async Task A_large_non_seekable_stream_is_sent_chunked_without_buffering()
    {
        const long size = 48L * 1024 * 1024;
        const long allowedLead = 1024 * 1024;
        var source = new PatternStream(size);
        long received = 0, maxLead = 0;
        bool? chunked = null;
        long? contentLength = -1;
        var handler = WithoutCapture(FakeQdrantHandler.Async(async (request, _) =>
        {
            chunked = request.Headers.TransferEncodingChunked;
            contentLength = request.Content!.Headers.ContentLength;
            var sink = new ObservingSink(count =>
            {
                received += count;
                maxLead = Math.Max(maxLead, source.Produced - received);
            });
            await request.Content.CopyToAsync(sink);
            return FakeQdrantHandler.Ok("true");
        }));
        using var client = TestClients.Create(handler);

        await client.UploadSnapshotAsync("docs", source, "big.snapshot", SnapshotPriority.Snapshot, null);

        Assert.Equal(size, source.Produced);
        Assert.True(received > size, "the whole file (plus multipart framing) reached the server");
        Assert.True(maxLead <= allowedLead, $"the client read {maxLead} bytes ahead of the wire: it is buffering");
        Assert.True(chunked);
        Assert.Null(contentLength);
        Assert.False(source.Disposed, "the caller owns the stream");
    }

    [Fact]
    public async Task An_upload_that_failed_after_reading_the_stream_is_not_resent()
    {
        var source = new PatternStream(1_000_000);
        var handler = WithoutCapture(FakeQdrantHandler.Async(async (request, _) =>
        {
            var body = await request.Content!.ReadAsStreamAsync();
            await body.ReadExactlyAsync(new byte[100_000]);
            throw FakeQdrantHandler.ConnectionRefused();
        }));
        using var client = TestClients.Create(handler);

        await Assert.ThrowsAsync<QdrantUnreachableException>(() =>
            client.UploadSnapshotAsync("docs", source, "s.snapshot", null, null));
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task An_upload_refused_before_any_byte_was_read_is_resent_with_the_same_stream()
    {
        var source = new PatternStream(200_000);
        long lastBodyLength = 0;
        var handler = WithoutCapture(FakeQdrantHandler.Async(async (request, call) =>
        {
            if (call == 1) throw FakeQdrantHandler.ConnectionRefused();
            lastBodyLength = (await request.Content!.ReadAsByteArrayAsync()).Length;
            return FakeQdrantHandler.Ok("true");
        }));
        using var client = TestClients.Create(handler);

        await client.UploadSnapshotAsync("docs", source, "s.snapshot", null, null);

        Assert.Equal(2, handler.Calls);
        Assert.True(lastBodyLength > 200_000);
    }

    [Fact]
    public async Task Upload_errors_carry_qdrant_message()
    {
        var handler = WithoutCapture(new FakeQdrantHandler((_, _) =>
            FakeQdrantHandler.Error(HttpStatusCode.BadRequest, "Checksum mismatch: expected abc, actual def")));
        using var client = TestClients.Create(handler);
        var error = await Assert.ThrowsAsync<QdrantApiException>(() =>
            client.UploadSnapshotAsync("docs", new MemoryStream([1]), "s.snapshot", null, new string('a', 64)));
        Assert.Equal("Checksum mismatch: expected abc, actual def", error.QdrantMessage);
        Assert.Equal("POST /collections/docs/snapshots/upload", error.Operation);
    }

    private static FakeQdrantHandler WithoutCapture(FakeQdrantHandler handler)
    {
        handler.CaptureBodies = false;
        return handler;
    }

    /// <summary>A write-only stream that reports every write, standing in for the socket.</summary>
    private sealed class ObservingSink(Action<int> onWrite) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Write(byte[] buffer, int offset, int count) => onWrite(count);
        public override void Write(ReadOnlySpan<byte> buffer) => onWrite(buffer.Length);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            onWrite(buffer.Length);
            return ValueTask.CompletedTask;
        }
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            onWrite(count);
            return Task.CompletedTask;
        }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
