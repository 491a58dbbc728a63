using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using VectorDR.Qdrant.Tests.Support;

namespace VectorDR.Qdrant.Tests;

/// <summary>
/// Against a real socket (Kestrel on 127.0.0.1): TLS with a private CA, and what a dropped connection really looks like
/// to the client — the fake-handler tests only simulate it.
/// </summary>
public sealed class LoopbackTests
{
    private const string Version = """{"title":"qdrant - vector search engine","version":"1.19.0","commit":"abc"}""";

    private static Task Answer(HttpContext context)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(Version);
    }

    private static QdrantClient TlsClient(Uri endpoint, string? caPath = null, bool insecure = false) => new(new QdrantClientOptions
    {
        Endpoint = endpoint,
        CaCertificatePath = caPath,
        InsecureSkipTlsVerify = insecure,
        MaxAttempts = 3,
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        RetryMaxDelay = TimeSpan.FromMilliseconds(5),
    });

    [Fact]
    public async Task Tls_server_signed_by_the_configured_ca_is_trusted()
    {
        using var ca = TestCertificates.CreateCa("VectorDR Test CA");
        using var serverCert = TestCertificates.CreateServer(ca, true, "localhost");
        await using var server = await LoopbackServer.StartAsync(Answer, serverCert);
        var caPath = TestCertificates.WritePem(ca);
        try
        {
            using var client = TlsClient(server.BaseAddress, caPath);
            Assert.Equal("1.19.0", (await client.GetVersionAsync()).Version);
        }
        finally
        {
            File.Delete(caPath);
        }
    }

    [Fact]
    public async Task Tls_server_of_another_ca_or_without_a_ca_is_refused_without_retries()
    {
        using var ca = TestCertificates.CreateCa("VectorDR Test CA");
        using var otherCa = TestCertificates.CreateCa("Some Other CA");
        using var serverCert = TestCertificates.CreateServer(ca, true, "localhost");
        var requests = 0;
        await using var server = await LoopbackServer.StartAsync(context =>
        {
            Interlocked.Increment(ref requests);
            return Answer(context);
        }, serverCert);
        var otherPath = TestCertificates.WritePem(otherCa);
        try
        {
            using var wrongCa = TlsClient(server.BaseAddress, otherPath);
            var error = await Assert.ThrowsAsync<QdrantUnreachableException>(() => wrongCa.GetVersionAsync());
            Assert.Contains("TLS handshake failed", error.Message);
            Assert.DoesNotContain("gave up", error.Message);

            using var systemTrust = TlsClient(server.BaseAddress);
            await Assert.ThrowsAsync<QdrantUnreachableException>(() => systemTrust.GetVersionAsync());
            Assert.Equal(0, requests);
        }
        finally
        {
            File.Delete(otherPath);
        }
    }

    [Fact]
    public async Task Tls_host_name_must_match_even_with_the_right_ca()
    {
        using var ca = TestCertificates.CreateCa("VectorDR Test CA");
        using var serverCert = TestCertificates.CreateServer(ca, false, "qdrant.elsewhere.example");
        await using var server = await LoopbackServer.StartAsync(Answer, serverCert);
        var caPath = TestCertificates.WritePem(ca);
        try
        {
            using var client = TlsClient(server.BaseAddress, caPath);
            await Assert.ThrowsAsync<QdrantUnreachableException>(() => client.GetVersionAsync());
        }
        finally
        {
            File.Delete(caPath);
        }
    }

    [Fact]
    public async Task Insecure_skip_verify_accepts_any_certificate()
    {
        using var ca = TestCertificates.CreateCa("Unknown CA");
        using var serverCert = TestCertificates.CreateServer(ca, false, "wrong.example");
        await using var server = await LoopbackServer.StartAsync(Answer, serverCert);
        using var client = TlsClient(server.BaseAddress, insecure: true);
        Assert.Equal("abc", (await client.GetVersionAsync()).Commit);
    }

    [Fact]
    public async Task Connection_refused_on_a_real_port_is_unreachable()
    {
        int port;
        await using (var server = await LoopbackServer.StartAsync(Answer)) port = server.BaseAddress.Port;
        using var client = TlsClient(new Uri($"http://127.0.0.1:{port}"));
        var error = await Assert.ThrowsAsync<QdrantUnreachableException>(() => client.ListCollectionsAsync());
        Assert.Contains($"http://127.0.0.1:{port}/", error.Message);
        Assert.Contains("gave up after 3 attempts", error.Message);
    }

    [Fact]
    public async Task A_real_connection_abort_mid_download_is_resumed_with_range()
    {
        var file = RandomNumberGenerator.GetBytes(3_000_000);
        var ranges = new List<string?>();
        var calls = 0;
        await using var server = await LoopbackServer.StartAsync(async context =>
        {
            var call = Interlocked.Increment(ref calls);
            lock (ranges) ranges.Add(context.Request.Headers.Range.ToString() is { Length: > 0 } r ? r : null);
            var start = 0;
            if (context.Request.Headers.Range.ToString() is { Length: > 0 } range)
            {
                start = int.Parse(range["bytes=".Length..].TrimEnd('-'));
                context.Response.StatusCode = 206;
                context.Response.Headers.ContentRange = $"bytes {start}-{file.Length - 1}/{file.Length}";
            }
            context.Response.ContentLength = file.Length - start;
            context.Response.ContentType = "application/octet-stream";
            if (call == 1)
            {
                await context.Response.Body.WriteAsync(file.AsMemory(0, 1_000_000));
                await context.Response.Body.FlushAsync();
                context.Abort(); // the connection drops mid-body
                return;
            }
            await context.Response.Body.WriteAsync(file.AsMemory(start));
        });
        using var client = TlsClient(server.BaseAddress);

        await using var stream = await client.OpenSnapshotAsync("docs", "big.snapshot");
        Assert.Equal(file.Length, stream.Length);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);

        Assert.Equal(SHA256.HashData(file), SHA256.HashData(copy.ToArray()));
        Assert.Equal(2, calls);
        Assert.Null(ranges[0]);
        Assert.StartsWith("bytes=", ranges[1]);
        Assert.NotEqual("bytes=0-", ranges[1]);
    }

    [Fact]
    public async Task A_real_chunked_shard_stream_that_aborts_is_an_io_error()
    {
        await using var server = await LoopbackServer.StartAsync(async context =>
        {
            context.Response.ContentType = "application/octet-stream";
            context.Response.Headers.ContentDisposition = "attachment; filename=\"docs-shard-0-2026-11-23-10-00-00.snapshot\"";
            await context.Response.Body.WriteAsync(new byte[500_000]); // no Content-Length: chunked
            await context.Response.Body.FlushAsync();
            context.Abort();
        });
        using var client = TlsClient(server.BaseAddress);

        await using var stream = await client.OpenShardSnapshotStreamAsync("docs", 0);
        Assert.Equal("docs-shard-0-2026-11-23-10-00-00.snapshot", stream.SnapshotName);
        var error = await Assert.ThrowsAsync<IOException>(() => stream.CopyToAsync(Stream.Null));
        Assert.Contains("cannot be resumed", error.Message);
    }

    [Fact]
    public async Task A_real_upload_goes_out_chunked_and_arrives_intact()
    {
        string? transferEncoding = null;
        long? contentLength = -1;
        long received = 0;
        await using var server = await LoopbackServer.StartAsync(async context =>
        {
            context.Features.Get<IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = null;
            transferEncoding = context.Request.Headers.TransferEncoding.ToString();
            contentLength = context.Request.ContentLength;
            var form = await context.Request.ReadFormAsync();
            var file = form.Files.GetFile("snapshot")!;
            await using var body = file.OpenReadStream();
            var buffer = new byte[81920];
            int n;
            long index = 0;
            while ((n = await body.ReadAsync(buffer)) > 0)
            {
                for (var i = 0; i < n; i++)
                    if (buffer[i] != PatternStream.ByteAt(index + i)) throw new InvalidOperationException($"corrupt at {index + i}");
                index += n;
            }
            received = index;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"result":true,"status":"ok","time":0.1}""");
        });
        using var client = TlsClient(server.BaseAddress);

        await client.UploadSnapshotAsync("docs", new PatternStream(5_000_000), "docs.snapshot", SnapshotPriority.Snapshot, null);

        Assert.Equal("chunked", transferEncoding);
        Assert.Null(contentLength);
        Assert.Equal(5_000_000, received);
    }
}
