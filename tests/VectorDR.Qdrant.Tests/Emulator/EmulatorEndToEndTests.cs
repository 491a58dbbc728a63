using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using VectorDR.Core;
using VectorDR.Qdrant.Tests.Support;
using VectorDR.QdrantEmulator;
using VectorDR.Testing;

namespace VectorDR.Qdrant.Tests.Emulator;

/// <summary>
/// Every client method against the Qdrant emulator (tests/VectorDR.QdrantEmulator) over real HTTP on 127.0.0.1.
/// One emulator per test class; each test uses its own collection names.
/// </summary>
public sealed class EmulatorEndToEndTests : IAsyncLifetime
{
    private QdrantEmulatorHost emulator = null!;
    private QdrantClient client = null!;

    public async Task InitializeAsync()
    {
        emulator = await QdrantEmulatorHost.StartAsync(new QdrantEmulatorOptions { ApiKey = TestClients.ApiKey, ReadOnlyApiKey = "read-only" });
        client = NewClient(TestClients.ApiKey);
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await emulator.DisposeAsync();
        try
        {
            contract.AssertNoViolations();
        }
        finally
        {
            contract.Dispose();
        }
    }

    // Holds both sides to Qdrant's OpenAPI document: the client's JSON requests and the emulator's JSON answers.
    private readonly OpenApiContractHandler contract = new(OpenApiContract.Qdrant)
    {
        InnerHandler = new SocketsHttpHandler { AllowAutoRedirect = false },
    };

    private QdrantClient NewClient(string? apiKey) => new(new QdrantClientOptions
    {
        Endpoint = emulator.BaseAddress,
        ApiKey = apiKey,
        MaxAttempts = 4,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        RetryMaxDelay = TimeSpan.FromMilliseconds(20),
    }, contract, disposeHandler: false);

    private static JsonObject Vectors(int size, string distance = "Dot") =>
        new() { ["vectors"] = new JsonObject { ["size"] = size, ["distance"] = distance } };

    private static async Task<byte[]> DownloadAsync(SnapshotReadStream stream)
    {
        await using (stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }

    [Fact]
    public async Task Service_version_and_cluster()
    {
        var version = await client.GetVersionAsync();
        Assert.Equal("1.19.0", version.Version);
        Assert.StartsWith("qdrant", version.Title);

        var cluster = await client.GetClusterAsync();
        Assert.False(cluster.Enabled);

        await emulator.SeedCollectionAsync("clustered", points: 30, dimensions: 4, shards: 3);
        var info = await client.GetCollectionClusterAsync("clustered");
        Assert.Equal(3, info.ShardCount);
        Assert.Equal(30, info.LocalShards.Sum(s => s.PointsCount));
        Assert.All(info.LocalShards, s => Assert.Equal("Active", s.State));
        Assert.Empty(info.RemoteShards);
    }

    [Fact]
    public async Task Collection_lifecycle()
    {
        Assert.False(await client.CollectionExistsAsync("life"));
        await client.CreateCollectionAsync("life", Vectors(4));
        Assert.True(await client.CollectionExistsAsync("life"));
        Assert.Contains("life", await client.ListCollectionsAsync());

        var info = await client.GetCollectionAsync("life");
        Assert.Equal(4, info.Vectors.GetProperty("size").GetInt32());
        Assert.Equal(1, info.ShardNumber);

        var conflict = await Assert.ThrowsAsync<QdrantApiException>(() => client.CreateCollectionAsync("life", Vectors(4)));
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Contains("already exists", conflict.QdrantMessage);

        Assert.True(await client.DeleteCollectionAsync("life"));
        Assert.False(await client.DeleteCollectionAsync("life"));
        var missing = await Assert.ThrowsAsync<QdrantApiException>(() => client.GetCollectionAsync("life"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.StartsWith("Not found:", missing.QdrantMessage);
        Assert.Equal("GET /collections/life", missing.Operation);
    }

    [Fact]
    public async Task Names_with_reserved_url_characters_round_trip()
    {
        const string name = "e2e docs #1 50%";
        await client.CreateCollectionAsync(name, Vectors(2));
        Assert.True(await client.CollectionExistsAsync(name));
        Assert.Contains(name, await client.ListCollectionsAsync());
        await client.UpsertAsync(name, [new PointStruct(PointId.FromNumber(9), new JsonArray(1f, 1f))]);
        Assert.Equal(1, await client.CountAsync(name));
        var snapshot = await client.CreateSnapshotAsync(name);
        Assert.Equal(snapshot.Size, (await DownloadAsync(await client.OpenSnapshotAsync(name, snapshot.Name))).Length);
        Assert.True(await client.DeleteCollectionAsync(name));
    }

    [Fact]
    public async Task Points_upsert_count_scroll_and_query()
    {
        await client.CreateCollectionAsync("pts", Vectors(2));
        var uuid = Guid.Parse("8f0e1e8a-3c5b-4a7e-9a55-6a1a2c3d4e5f");
        await client.UpsertAsync("pts",
        [
            new PointStruct(PointId.FromNumber(1), new JsonArray(1f, 0f), new JsonObject { ["city"] = "Berlin" }),
            new PointStruct(PointId.FromNumber(2), new JsonArray(0f, 1f)),
            new PointStruct(PointId.FromUuid(uuid), new JsonArray(0.7f, 0.7f)),
        ]);

        Assert.Equal(3, await client.CountAsync("pts"));
        Assert.Equal(3, await client.CountAsync("pts", exact: false));

        var first = await client.ScrollAsync("pts", new ScrollRequest(2, WithPayload: true, WithVector: true));
        Assert.Equal([PointId.FromNumber(1), PointId.FromNumber(2)], first.Points.Select(p => p.Id));
        Assert.Equal("Berlin", first.Points[0].Payload!.Value.GetProperty("city").GetString());
        Assert.Equal(2, first.Points[0].Vector!.Value.GetArrayLength());
        Assert.NotNull(first.NextPageOffset);
        var second = await client.ScrollAsync("pts", new ScrollRequest(2, first.NextPageOffset));
        Assert.Equal(PointId.FromUuid(uuid), Assert.Single(second.Points).Id);
        Assert.Null(second.NextPageOffset);

        var hits = await client.QueryNearestAsync("pts", new NearestQuery([1f, 0.1f], 2));
        Assert.Equal([PointId.FromNumber(1), PointId.FromUuid(uuid)], hits.Select(h => h.Id));
        Assert.True(hits[0].Score >= hits[1].Score);
    }

    [Fact]
    public async Task Aliases()
    {
        await client.CreateCollectionAsync("al-v1", Vectors(2));
        await client.CreateCollectionAsync("al-v2", Vectors(2));

        await client.UpdateAliasesAsync([new AliasOperation.Create("al-prod", "al-v1")]);
        Assert.Contains(new AliasDescription("al-prod", "al-v1"), await client.ListAliasesAsync());

        // create_alias on an existing alias repoints it: the failover switch.
        await client.UpdateAliasesAsync([new AliasOperation.Create("al-prod", "al-v2")]);
        Assert.Equal([new AliasDescription("al-prod", "al-v2")], await client.ListCollectionAliasesAsync("al-v2"));
        Assert.Empty(await client.ListCollectionAliasesAsync("al-v1"));

        await client.UpdateAliasesAsync([new AliasOperation.Rename("al-prod", "al-live")]);
        Assert.Equal([new AliasDescription("al-live", "al-v2")], await client.ListCollectionAliasesAsync("al-v2"));

        await client.UpdateAliasesAsync([new AliasOperation.Delete("al-live")]);
        Assert.DoesNotContain(await client.ListAliasesAsync(), a => a.AliasName.StartsWith("al-", StringComparison.Ordinal));

        var missing = await Assert.ThrowsAsync<QdrantApiException>(() =>
            client.UpdateAliasesAsync([new AliasOperation.Create("al-x", "no-such-collection")]));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Collection_snapshot_create_list_download_upload_recover_delete()
    {
        await emulator.SeedCollectionAsync("snap", points: 500, dimensions: 8);
        var created = await client.CreateSnapshotAsync("snap");
        Assert.EndsWith(".snapshot", created.Name);
        Assert.NotNull(created.CreationTime);
        Assert.Equal(TimeSpan.Zero, created.CreationTime!.Value.Offset);

        var listed = Assert.Single(await client.ListSnapshotsAsync("snap"), s => s.Name == created.Name);
        Assert.Equal(created.Size, listed.Size);

        var stream = await client.OpenSnapshotAsync("snap", created.Name);
        Assert.Equal(created.Size, stream.ContentLength);
        var bytes = await DownloadAsync(stream);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Assert.Equal(created.Size, bytes.Length);
        if (listed.Checksum is not null) Assert.Equal(listed.Checksum, sha);

        // Upload into a new collection, streamed from a non-seekable source, checksum checked by the server.
        await client.UploadSnapshotAsync("snap-uploaded", new NonSeekable(bytes), "snap-copy.snapshot", SnapshotPriority.Snapshot, sha);
        Assert.Equal(500, await client.CountAsync("snap-uploaded"));
        // Qdrant keeps the uploaded file in the collection's snapshot dir, listed without checksum (API-NOTES §4.6).
        var kept = Assert.Single(await client.ListSnapshotsAsync("snap-uploaded"));
        Assert.Equal(("snap-copy.snapshot", (string?)null), (kept.Name, kept.Checksum));

        var mismatch = await Assert.ThrowsAsync<QdrantApiException>(() =>
            client.UploadSnapshotAsync("snap-bad", new MemoryStream(bytes), "x.snapshot", null, new string('0', 64)));
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);
        Assert.Contains("Checksum mismatch", mismatch.QdrantMessage);

        // Recover from the node's own snapshot directory (file://) and from an http URL (the emulator's download).
        var file = new Uri(Path.Combine(emulator.SnapshotsDirectory, "snap", created.Name));
        await client.RecoverSnapshotAsync("snap-from-file", new SnapshotRecoverRequest(file, SnapshotPriority.Snapshot, sha));
        Assert.Equal(500, await client.CountAsync("snap-from-file"));
        var url = new Uri(emulator.BaseAddress, $"collections/snap/snapshots/{created.Name}");
        await client.RecoverSnapshotAsync("snap-from-url", new SnapshotRecoverRequest(url, null, sha, TestClients.ApiKey));
        Assert.Equal(500, await client.CountAsync("snap-from-url"));

        await client.DeleteSnapshotAsync("snap", created.Name);
        Assert.DoesNotContain(await client.ListSnapshotsAsync("snap"), s => s.Name == created.Name);
        var gone = await Assert.ThrowsAsync<QdrantApiException>(() => client.OpenSnapshotAsync("snap", created.Name));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Download_cut_mid_stream_is_resumed_with_identical_bytes()
    {
        await emulator.SeedCollectionAsync("cut", points: 2000, dimensions: 16);
        var created = await client.CreateSnapshotAsync("cut");
        var reference = await DownloadAsync(await client.OpenSnapshotAsync("cut", created.Name));

        emulator.Faults.CutStreamsAfterBytes(reference.Length / 3, count: 2);
        emulator.Stats.Reset();
        var resumed = await DownloadAsync(await client.OpenSnapshotAsync("cut", created.Name));

        Assert.Equal(SHA256.HashData(reference), SHA256.HashData(resumed));
        Assert.True(emulator.Stats.RequestsTo("GET", $"/collections/cut/snapshots/{created.Name}") >= 2, "the download was never cut");
        // Range resumption: the server sent each byte about once, not the file again from the start.
        Assert.True(emulator.Stats.SnapshotBytesSent < reference.Length * 1.5,
            $"{emulator.Stats.SnapshotBytesSent} bytes sent for a {reference.Length}-byte file: Range was not used");
    }

    [Fact]
    public async Task Shard_snapshots_create_list_download_stream_upload_recover_delete()
    {
        await emulator.SeedCollectionAsync("shardy", points: 300, dimensions: 4, shards: 2);
        var perShard = (await client.GetCollectionClusterAsync("shardy")).LocalShards.ToDictionary(s => s.ShardId, s => s.PointsCount);

        var created = await client.CreateShardSnapshotAsync("shardy", 1);
        Assert.Contains(await client.ListShardSnapshotsAsync("shardy", 1), s => s.Name == created.Name);
        var stored = await DownloadAsync(await client.OpenShardSnapshotAsync("shardy", 1, created.Name));
        Assert.Equal(created.Size, stored.Length);

        var streamed = await client.OpenShardSnapshotStreamAsync("shardy", 0);
        Assert.Null(streamed.ContentLength);
        Assert.Contains("shardy-shard-0", streamed.SnapshotName);
        var shard0 = await DownloadAsync(streamed);
        Assert.NotEmpty(shard0);

        // A fresh collection with the same shard count receives each shard back.
        await client.CreateCollectionAsync("shardy-copy", new JsonObject
        {
            ["vectors"] = new JsonObject { ["size"] = 4, ["distance"] = "Cosine" },
            ["shard_number"] = 2,
        });
        await client.UploadShardSnapshotAsync("shardy-copy", 0, new NonSeekable(shard0), "shard0.snapshot", SnapshotPriority.Snapshot,
            Convert.ToHexStringLower(SHA256.HashData(shard0)));
        await client.UploadShardSnapshotAsync("shardy-copy", 1, new MemoryStream(stored), created.Name, null, null);
        Assert.Equal(perShard[0] + perShard[1], await client.CountAsync("shardy-copy"));

        // Recover shard 1 of the source from its own stored snapshot, by bare name.
        await client.RecoverShardSnapshotAsync("shardy", 1, ShardSnapshotRecoverRequest.FromLocalSnapshot(created.Name));
        Assert.Equal(300, await client.CountAsync("shardy"));

        await client.DeleteShardSnapshotAsync("shardy", 1, created.Name);
        Assert.DoesNotContain(await client.ListShardSnapshotsAsync("shardy", 1), s => s.Name == created.Name);
    }

    [Fact]
    public async Task Shard_stream_cut_mid_way_is_an_io_error()
    {
        await emulator.SeedCollectionAsync("shard-cut", points: 3000, dimensions: 16);
        emulator.Faults.CutStreamsAfterBytes(10_000);
        var stream = await client.OpenShardSnapshotStreamAsync("shard-cut", 0);
        var error = await Assert.ThrowsAsync<IOException>(() => DownloadAsync(stream));
        Assert.Contains("cannot be resumed", error.Message);
    }

    [Fact]
    public async Task Transient_failures_are_retried_and_snapshot_create_is_not()
    {
        emulator.Faults.FailNextRequests(2, 503);
        Assert.NotNull(await client.ListCollectionsAsync());

        emulator.Faults.FailNextRequests(1, 429, TimeSpan.FromSeconds(1));
        var started = DateTime.UtcNow;
        await client.ListAliasesAsync();
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(0.9), "Retry-After: 1 was not honoured");

        emulator.Faults.ResetNextConnections(1);
        Assert.NotNull(await client.ListCollectionsAsync());

        await emulator.SeedCollectionAsync("no-double", points: 10, dimensions: 2);
        emulator.Faults.FailNextRequests(1, 503);
        await Assert.ThrowsAsync<QdrantApiException>(() => client.CreateSnapshotAsync("no-double"));
        emulator.Faults.ResetNextConnections(1);
        await Assert.ThrowsAsync<QdrantUnreachableException>(() => client.CreateSnapshotAsync("no-double"));
        Assert.Empty(await client.ListSnapshotsAsync("no-double"));
    }

    [Fact]
    public async Task Authentication_errors_carry_qdrant_message()
    {
        using var anonymous = NewClient(apiKey: null);
        Assert.Equal("1.19.0", (await anonymous.GetVersionAsync()).Version); // GET / needs no key
        var unauthorized = await Assert.ThrowsAsync<QdrantApiException>(() => anonymous.ListCollectionsAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace(unauthorized.QdrantMessage));

        await emulator.SeedCollectionAsync("ro", points: 5, dimensions: 2);
        using var readOnly = NewClient("read-only");
        Assert.Equal(5, await readOnly.CountAsync("ro"));
        var forbidden = await Assert.ThrowsAsync<QdrantApiException>(() =>
            readOnly.UploadSnapshotAsync("ro", new MemoryStream([1, 2, 3]), "x.snapshot", null, null));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.StartsWith("Forbidden", forbidden.QdrantMessage);
        Assert.DoesNotContain("read-only", forbidden.Message);
    }

    /// <summary>A read-only, non-seekable view of bytes, like a stream coming from object storage.</summary>
    private sealed class NonSeekable(byte[] bytes) : Stream
    {
        private readonly MemoryStream inner = new(bytes, writable: false);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
