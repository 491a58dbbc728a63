using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VectorDR.Qdrant.Http;
using VectorDR.Qdrant.Json;
using VectorDR.Qdrant.Streams;

namespace VectorDR.Qdrant;

/// <summary>
/// Typed client for Qdrant's REST API (v1.19). Retry policy per call (see <see cref="RetryPolicy"/>):
/// <list type="bullet">
/// <item>Retried on connection failures, 408, 429 (Retry-After honoured), 5xx except 501/505/507 — calls whose repetition
/// is harmless: every GET, count/scroll/query (reads), upsert (explicit ids: same points, same state), collection and
/// snapshot DELETE, alias changes without a rename, and the opening request of a download.</item>
/// <item>Retried only when the connection could not even be established — calls that a second copy could run twice:
/// snapshot create (Qdrant keeps building a snapshot after the client disconnects, so a blind retry would build a
/// second one next to it and double the disk use), snapshot recover (it also runs on after a disconnect; a retry would
/// race a second recovery of the same collection), upload (additionally only if no byte of the caller's stream was
/// read), collection create (a retry of a create that went through answers 409), alias changes with a rename.</item>
/// </list>
/// No request timeout: a snapshot call may take hours; cancel through the <see cref="CancellationToken"/>.
/// </summary>
public sealed class QdrantClient : IQdrantClient, IDisposable
{
    private readonly HttpClient http;
    private readonly QdrantTransport transport;
    private readonly int maxResumeAttempts;

    /// <summary>A client with its own connection pool, TLS settings from <paramref name="options"/>.</summary>
    public QdrantClient(QdrantClientOptions options)
        : this(options, logger => QdrantHandlerFactory.Create(options, logger), disposeHandler: true)
    {
    }

    /// <summary>
    /// A client sending through <paramref name="handler"/> (tests, or a handler from IHttpClientFactory). The TLS settings
    /// of <paramref name="options"/> are then the handler's business and are not applied.
    /// </summary>
    public QdrantClient(QdrantClientOptions options, HttpMessageHandler handler, bool disposeHandler = false)
        : this(options, _ => handler ?? throw new ArgumentNullException(nameof(handler)), disposeHandler)
    {
    }

    private QdrantClient(QdrantClientOptions options, Func<ILogger, HttpMessageHandler> createHandler, bool disposeHandler)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var logger = options.Logger ?? NullLogger.Instance;
        var time = options.TimeProvider ?? TimeProvider.System;
        BaseAddress = SafeBaseAddress(options.Endpoint);

        http = new HttpClient(createHandler(logger), disposeHandler)
        {
            // The default 100 s would kill snapshot create/recover/download on any real collection.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("VectorDR", "1.0"));
        var timing = new RetryTiming(options.RetryBaseDelay, options.RetryMaxDelay, options.MaxRetryAfter, time);
        transport = new QdrantTransport(http, BaseAddress, options.ApiKey, options.MaxAttempts, timing, time, logger);
        maxResumeAttempts = options.MaxResumeAttempts;
    }

    /// <summary>The common case: an endpoint, maybe an API key, default retries.</summary>
    public static QdrantClient Create(Uri endpoint, string? apiKey = null, ILogger? logger = null) =>
        new(new QdrantClientOptions { Endpoint = endpoint, ApiKey = apiKey, Logger = logger });

    public Uri BaseAddress { get; }

    /// <summary>For tests: the HttpClient-wide timeout, which must stay infinite.</summary>
    internal TimeSpan RequestTimeout => http.Timeout;

    /// <summary>Releases the connection pool; streams opened by this client stop working.</summary>
    public void Dispose() => http.Dispose();

    // ---- Service and collections

    public async Task<QdrantVersionInfo> GetVersionAsync(CancellationToken cancellationToken = default)
    {
        var request = Get("/");
        var version = QdrantJson.ReadBare<WireVersion>(await SendForBodyAsync(request, cancellationToken).ConfigureAwait(false),
            request.Operation);
        return new QdrantVersionInfo(version.Title, version.Version, version.Commit);
    }

    public async Task<IReadOnlyList<string>> ListCollectionsAsync(CancellationToken cancellationToken = default)
    {
        var list = await CallAsync<WireCollectionsList>(Get("/collections"), cancellationToken).ConfigureAwait(false);
        return [.. list.Collections.Select(c => c.Name)];
    }

    public async Task<CollectionInfo> GetCollectionAsync(string collection, CancellationToken cancellationToken = default)
    {
        var info = await CallAsync<WireCollectionInfo>(Get(Collection(collection)), cancellationToken).ConfigureAwait(false);
        return new CollectionInfo(info.Status, info.PointsCount, info.Config, info.PayloadSchema);
    }

    public async Task<bool> CollectionExistsAsync(string collection, CancellationToken cancellationToken = default) =>
        (await CallAsync<WireExists>(Get($"{Collection(collection)}/exists"), cancellationToken).ConfigureAwait(false)).Exists;

    public async Task CreateCollectionAsync(string collection, JsonObject createCollection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(createCollection);
        var body = QdrantJson.Serialize(createCollection);
        await SendAsync(Json(HttpMethod.Put, Collection(collection), RetryPolicy.OnlyIfNotSent, body), cancellationToken).ConfigureAwait(false);
    }

    /// <remarks>Retried: creating an index that exists with the same schema is accepted by Qdrant.</remarks>
    public async Task CreatePayloadIndexAsync(string collection, string fieldName, JsonNode fieldSchema, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fieldSchema);
        var body = QdrantJson.Serialize(new JsonObject { ["field_name"] = fieldName, ["field_schema"] = fieldSchema.DeepClone() });
        await SendAsync(Json(HttpMethod.Put, $"{Collection(collection)}/index?wait=true", RetryPolicy.Idempotent, body), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <remarks>Retried: if an attempt whose answer was lost did the deletion, the retry answers false.</remarks>
    public async Task<bool> DeleteCollectionAsync(string collection, CancellationToken cancellationToken = default) =>
        await CallBoolAsync(new QdrantRequest(HttpMethod.Delete, Collection(collection), RetryPolicy.Idempotent), cancellationToken)
            .ConfigureAwait(false);

    // ---- Aliases

    public async Task<IReadOnlyList<AliasDescription>> ListAliasesAsync(CancellationToken cancellationToken = default) =>
        ToAliases(await CallAsync<WireAliases>(Get("/aliases"), cancellationToken).ConfigureAwait(false));

    public async Task<IReadOnlyList<AliasDescription>> ListCollectionAliasesAsync(string collection,
        CancellationToken cancellationToken = default) =>
        ToAliases(await CallAsync<WireAliases>(Get($"{Collection(collection)}/aliases"), cancellationToken).ConfigureAwait(false));

    public async Task UpdateAliasesAsync(IReadOnlyList<AliasOperation> actions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actions);
        // create_alias repoints and delete_alias of a missing alias is no error, so repeating them is harmless; a
        // repeated rename fails because the old name is gone.
        var retry = actions.Any(a => a is AliasOperation.Rename) ? RetryPolicy.OnlyIfNotSent : RetryPolicy.Idempotent;
        var body = QdrantJson.Serialize(new WireAliasActions(new JsonArray([.. actions.Select(ToWireAction)])));
        await SendAsync(Json(HttpMethod.Post, "/collections/aliases", retry, body), cancellationToken).ConfigureAwait(false);
    }

    // ---- Points

    public async Task<long> CountAsync(string collection, bool exact = true, CancellationToken cancellationToken = default)
    {
        var body = QdrantJson.Serialize(new WireCountRequest(exact));
        var request = Json(HttpMethod.Post, $"{Collection(collection)}/points/count", RetryPolicy.Idempotent, body);
        return (await CallAsync<WireCount>(request, cancellationToken).ConfigureAwait(false)).Count;
    }

    public async Task<ScrollPage> ScrollAsync(string collection, ScrollRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Limit, 1, nameof(request));
        var body = QdrantJson.Serialize(new WireScrollRequest(request.Limit, request.Offset, request.WithPayload, request.WithVector));
        var page = await CallAsync<WireScrollResult>(
            Json(HttpMethod.Post, $"{Collection(collection)}/points/scroll", RetryPolicy.Idempotent, body), cancellationToken).ConfigureAwait(false);
        return new ScrollPage([.. page.Points.Select(p => new PointRecord(p.Id, p.Payload, p.Vector))], page.NextPageOffset);
    }

    public async Task<IReadOnlyList<ScoredPoint>> QueryNearestAsync(string collection, NearestQuery query,
        CancellationToken cancellationToken = default)
    {
        var body = QdrantJson.Serialize(ToWire(query));
        var result = await CallAsync<WireQueryResponse>(
            Json(HttpMethod.Post, $"{Collection(collection)}/points/query", RetryPolicy.Idempotent, body), cancellationToken).ConfigureAwait(false);
        return ToScored(result);
    }

    public async Task<IReadOnlyList<IReadOnlyList<ScoredPoint>>> QueryNearestBatchAsync(string collection, IReadOnlyList<NearestQuery> queries,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        if (queries.Count == 0) return [];
        var body = QdrantJson.Serialize(new WireQueryRequestBatch([.. queries.Select(ToWire)]));
        var request = Json(HttpMethod.Post, $"{Collection(collection)}/points/query/batch", RetryPolicy.Idempotent, body);
        var results = await CallAsync<List<WireQueryResponse>>(request, cancellationToken).ConfigureAwait(false);
        if (results.Count != queries.Count)
            throw new QdrantProtocolException(request.Operation, $"{results.Count} answers to {queries.Count} queries");
        return [.. results.Select(ToScored)];
    }

    private static WireQueryRequest ToWire(NearestQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1, nameof(query));
        return new WireQueryRequest(query.Vector, query.Using, new WireSearchParams(query.Exact), query.Limit, WithPayload: false);
    }

    private static IReadOnlyList<ScoredPoint> ToScored(WireQueryResponse response) => [.. response.Points.Select(p => new ScoredPoint(p.Id, p.Score))];

    public async Task UpsertAsync(string collection, IReadOnlyList<PointStruct> points, bool wait = true,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(points);
        var body = QdrantJson.Serialize(new WirePointsList([.. points.Select(p => new WirePointStruct(p.Id, p.Vector, p.Payload))]));
        var request = Json(HttpMethod.Put, $"{Collection(collection)}/points", RetryPolicy.Idempotent, body) with
        {
            Query = $"wait={(wait ? "true" : "false")}",
        };
        await SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    // ---- Collection snapshots

    public Task<SnapshotDescription> CreateSnapshotAsync(string collection, CancellationToken cancellationToken = default) =>
        CreateSnapshotAtAsync($"{Collection(collection)}/snapshots", cancellationToken);

    public Task<IReadOnlyList<SnapshotDescription>> ListSnapshotsAsync(string collection, CancellationToken cancellationToken = default) =>
        ListSnapshotsAtAsync($"{Collection(collection)}/snapshots", cancellationToken);

    public Task<SnapshotReadStream> OpenSnapshotAsync(string collection, string snapshotName, CancellationToken cancellationToken = default) =>
        OpenStoredSnapshotAsync($"{Collection(collection)}/snapshots/{Segment(snapshotName)}", snapshotName, cancellationToken);

    public Task DeleteSnapshotAsync(string collection, string snapshotName, CancellationToken cancellationToken = default) =>
        DeleteSnapshotAtAsync($"{Collection(collection)}/snapshots/{Segment(snapshotName)}", cancellationToken);

    public Task RecoverSnapshotAsync(string collection, SnapshotRecoverRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Location);
        return RecoverAtAsync($"{Collection(collection)}/snapshots/recover",
            new WireSnapshotRecover(request.Location.AbsoluteUri, request.Priority, request.Checksum, request.ApiKey), cancellationToken);
    }

    public Task UploadSnapshotAsync(string collection, Stream content, string fileName, SnapshotPriority? priority, string? sha256,
        CancellationToken cancellationToken = default) =>
        UploadAtAsync($"{Collection(collection)}/snapshots/upload", content, fileName, priority, sha256, cancellationToken);

    // ---- Cluster

    public async Task<ClusterStatus> GetClusterAsync(CancellationToken cancellationToken = default) =>
        (await CallAsync<WireClusterStatus>(Get("/cluster"), cancellationToken).ConfigureAwait(false)).ToClusterStatus();

    public async Task<CollectionClusterInfo> GetCollectionClusterAsync(string collection, CancellationToken cancellationToken = default) =>
        (await CallAsync<WireCollectionClusterInfo>(Get($"{Collection(collection)}/cluster"), cancellationToken).ConfigureAwait(false))
        .ToCollectionCluster();

    // ---- Shard snapshots

    public Task<SnapshotDescription> CreateShardSnapshotAsync(string collection, int shardId, CancellationToken cancellationToken = default) =>
        CreateSnapshotAtAsync($"{Shard(collection, shardId)}/snapshots", cancellationToken);

    public Task<IReadOnlyList<SnapshotDescription>> ListShardSnapshotsAsync(string collection, int shardId,
        CancellationToken cancellationToken = default) =>
        ListSnapshotsAtAsync($"{Shard(collection, shardId)}/snapshots", cancellationToken);

    public Task<SnapshotReadStream> OpenShardSnapshotAsync(string collection, int shardId, string snapshotName,
        CancellationToken cancellationToken = default) =>
        OpenStoredSnapshotAsync($"{Shard(collection, shardId)}/snapshots/{Segment(snapshotName)}", snapshotName, cancellationToken);

    public Task DeleteShardSnapshotAsync(string collection, int shardId, string snapshotName, CancellationToken cancellationToken = default) =>
        DeleteSnapshotAtAsync($"{Shard(collection, shardId)}/snapshots/{Segment(snapshotName)}", cancellationToken);

    public async Task<SnapshotReadStream> OpenShardSnapshotStreamAsync(string collection, int shardId,
        CancellationToken cancellationToken = default)
    {
        // Opening is a read and may be retried; once bytes flow, a break cannot be resumed (no Range on a stream that
        // is being built on the fly), so no resumer: the stream reports the break instead.
        var request = Get($"{Shard(collection, shardId)}/snapshot");
        var response = await transport.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        try
        {
            var disposition = response.Content.Headers.ContentDisposition;
            var name = (disposition?.FileNameStar ?? disposition?.FileName)?.Trim('"') is { Length: > 0 } fileName
                ? fileName
                : $"{collection}-shard-{shardId}.snapshot";
            return await DownloadStreamAsync(request, response, name, resumable: false, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public Task RecoverShardSnapshotAsync(string collection, int shardId, ShardSnapshotRecoverRequest request,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Location, nameof(request));
        return RecoverAtAsync($"{Shard(collection, shardId)}/snapshots/recover",
            new WireSnapshotRecover(request.Location, request.Priority, request.Checksum, request.ApiKey), cancellationToken);
    }

    public Task UploadShardSnapshotAsync(string collection, int shardId, Stream content, string fileName, SnapshotPriority? priority,
        string? sha256, CancellationToken cancellationToken = default) =>
        UploadAtAsync($"{Shard(collection, shardId)}/snapshots/upload", content, fileName, priority, sha256, cancellationToken);

    // ---- Snapshot operations shared by collection and shard level

    private async Task<SnapshotDescription> CreateSnapshotAtAsync(string path, CancellationToken cancellationToken)
    {
        // OnlyIfNotSent: with wait=true Qdrant builds the snapshot in a task of its own; if our connection drops, that
        // task carries on and the file appears later. Re-sending would start a second full snapshot beside the first
        // (2x disk on the node) — so only a request that provably never reached Qdrant is sent again.
        var request = new QdrantRequest(HttpMethod.Post, path, RetryPolicy.OnlyIfNotSent) { Query = "wait=true" };
        return (await CallAsync<WireSnapshotDescription>(request, cancellationToken).ConfigureAwait(false)).ToSnapshot();
    }

    private async Task<IReadOnlyList<SnapshotDescription>> ListSnapshotsAtAsync(string path, CancellationToken cancellationToken) =>
        [.. (await CallAsync<List<WireSnapshotDescription>>(Get(path), cancellationToken).ConfigureAwait(false)).Select(s => s.ToSnapshot())];

    private async Task DeleteSnapshotAtAsync(string path, CancellationToken cancellationToken)
    {
        var request = new QdrantRequest(HttpMethod.Delete, path, RetryPolicy.Idempotent)
        {
            Query = "wait=true",
            NotFoundAfterUnknownOutcomeMeansDone = true,
        };
        await SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<SnapshotReadStream> OpenStoredSnapshotAsync(string path, string snapshotName, CancellationToken cancellationToken)
    {
        var request = Get(path);
        var response = await transport.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        try
        {
            return await DownloadStreamAsync(request, response, snapshotName, resumable: true, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private async Task<SnapshotReadStream> DownloadStreamAsync(QdrantRequest request, HttpResponseMessage response, string name,
        bool resumable, CancellationToken cancellationToken)
    {
        var length = response.Content.Headers.ContentLength;
        var resumer = resumable
            ? new RangeResumer(transport, request, length, response.Headers.ETag, response.Content.Headers.LastModified)
            : null;
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return new HttpSnapshotReadStream(request.Operation, name, response, body, length, resumer, maxResumeAttempts, transport.Timing,
            transport.Time, transport.Logger);
    }

    private async Task RecoverAtAsync(string path, WireSnapshotRecover body, CancellationToken cancellationToken)
    {
        // OnlyIfNotSent: recovering the same file twice ends in the same state, but the recovery (download, unpack,
        // swap shards) keeps running server-side after a disconnect; a retry would race a second recovery of the same
        // collection against it. The caller can verify and decide.
        var request = Json(HttpMethod.Put, path, RetryPolicy.OnlyIfNotSent, QdrantJson.Serialize(body)) with { Query = "wait=true" };
        await SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task UploadAtAsync(string path, Stream content, string fileName, SnapshotPriority? priority, string? sha256,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        if (!content.CanRead) throw new ArgumentException("The snapshot stream is not readable", nameof(content));

        var query = "wait=true";
        if (priority is { } p) query += $"&priority={p.ToWire()}";
        if (sha256 is not null) query += $"&checksum={Uri.EscapeDataString(sha256)}";

        var source = new UploadSourceStream(content);
        var request = new QdrantRequest(HttpMethod.Post, path, RetryPolicy.OnlyIfNotSent)
        {
            Query = query,
            Content = () => MultipartSnapshot(source, fileName),
            // A connect failure before any byte was read can be retried with the same stream; after that it cannot.
            CanResend = () => source.BytesRead == 0,
            ConfigureHeaders = headers => headers.TransferEncodingChunked = true,
        };
        await SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private static MultipartFormDataContent MultipartSnapshot(UploadSourceStream source, string fileName)
    {
        var part = new StreamContent(source, bufferSize: 81920);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var form = new MultipartFormDataContent();
        // The part must be named "snapshot" and carry a filename: Qdrant stores the upload under that name (#3183:
        // "failed to iterate over archive" when the part is not the file).
        form.Add(part, "snapshot", fileName);
        return form;
    }

    // ---- Plumbing

    private async Task<byte[]> SendForBodyAsync(QdrantRequest request, CancellationToken cancellationToken)
    {
        // ResponseContentRead: the (small) JSON body is read inside the retried exchange, so a reset mid-body is retried too.
        using var response = await transport.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> CallAsync<T>(QdrantRequest request, CancellationToken cancellationToken) where T : class =>
        QdrantJson.RequireResult<T>(await SendForBodyAsync(request, cancellationToken).ConfigureAwait(false), request.Operation);

    private async Task<bool> CallBoolAsync(QdrantRequest request, CancellationToken cancellationToken) =>
        QdrantJson.ReadResult<bool?>(await SendForBodyAsync(request, cancellationToken).ConfigureAwait(false), request.Operation)
        ?? throw new QdrantProtocolException(request.Operation, "the response has no result");

    /// <summary>For calls whose result is just <c>true</c> or absent (202): success is the 2xx status.</summary>
    private async Task SendAsync(QdrantRequest request, CancellationToken cancellationToken)
    {
        using var response = await transport.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
    }

    private static QdrantRequest Get(string path) => new(HttpMethod.Get, path, RetryPolicy.Idempotent);

    private static QdrantRequest Json(HttpMethod method, string path, RetryPolicy retry, byte[] body) =>
        new(method, path, retry)
        {
            Content = () => new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };

    private static string Collection(string collection)
    {
        ArgumentException.ThrowIfNullOrEmpty(collection);
        return $"/collections/{Segment(collection)}";
    }

    private static string Shard(string collection, int shardId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shardId);
        return $"{Collection(collection)}/shards/{shardId}";
    }

    /// <summary>One escaped path segment: a name with '/', '?', '#' or spaces cannot change which endpoint is called.</summary>
    private static string Segment(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        return Uri.EscapeDataString(value);
    }

    private static JsonObject ToWireAction(AliasOperation action) => action switch
    {
        AliasOperation.Create c => new JsonObject
        {
            ["create_alias"] = new JsonObject { ["collection_name"] = c.CollectionName, ["alias_name"] = c.AliasName },
        },
        AliasOperation.Delete d => new JsonObject { ["delete_alias"] = new JsonObject { ["alias_name"] = d.AliasName } },
        AliasOperation.Rename r => new JsonObject
        {
            ["rename_alias"] = new JsonObject { ["old_alias_name"] = r.OldAliasName, ["new_alias_name"] = r.NewAliasName },
        },
        _ => throw new ArgumentException($"Unknown alias operation {action.GetType().Name}", nameof(action)),
    };

    private static IReadOnlyList<AliasDescription> ToAliases(WireAliases aliases) =>
        [.. aliases.Aliases.Select(a => new AliasDescription(a.AliasName, a.CollectionName))];

    /// <summary>The endpoint without user info, query or fragment, ending in '/' so relative paths append to a prefix.</summary>
    private static Uri SafeBaseAddress(Uri endpoint)
    {
        var builder = new UriBuilder(endpoint) { UserName = "", Password = "", Query = "", Fragment = "" };
        if (!builder.Path.EndsWith('/')) builder.Path += "/";
        return builder.Uri;
    }
}
