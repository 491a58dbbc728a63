using System.Text.Json;
using System.Text.Json.Nodes;
using VectorDR.Core;

namespace VectorDR.Qdrant;

/// <summary>
/// The slice of Qdrant's REST API (v1.19, ../shared/qdrant/openapi.json) that backup, restore and verification need.
/// Every call throws <see cref="QdrantApiException"/> carrying Qdrant's own status and message when Qdrant says no,
/// and <see cref="QdrantUnreachableException"/> when it cannot be reached after retries.
/// </summary>
public interface IQdrantClient
{
    /// <summary>The endpoint this client talks to, without credentials (safe to log and to record in a manifest).</summary>
    Uri BaseAddress { get; }

    /// <summary><c>GET /</c> (not enveloped, no auth).</summary>
    Task<QdrantVersionInfo> GetVersionAsync(CancellationToken cancellationToken = default);

    Task<IReadOnlyList<string>> ListCollectionsAsync(CancellationToken cancellationToken = default);
    Task<CollectionInfo> GetCollectionAsync(string collection, CancellationToken cancellationToken = default);
    Task<bool> CollectionExistsAsync(string collection, CancellationToken cancellationToken = default);

    /// <summary><c>PUT /collections/{c}</c> with a <c>CreateCollection</c> body (409 when it exists).</summary>
    Task CreateCollectionAsync(string collection, JsonObject createCollection, CancellationToken cancellationToken = default);

    /// <summary><c>PUT /collections/{c}/index?wait=true</c>: a payload index (<c>field_schema</c> as Qdrant reports it).</summary>
    Task CreatePayloadIndexAsync(string collection, string fieldName, JsonNode fieldSchema, CancellationToken cancellationToken = default);

    /// <summary><c>DELETE /collections/{c}</c>; false when it did not exist.</summary>
    Task<bool> DeleteCollectionAsync(string collection, CancellationToken cancellationToken = default);

    /// <summary><c>GET /aliases</c>.</summary>
    Task<IReadOnlyList<AliasDescription>> ListAliasesAsync(CancellationToken cancellationToken = default);

    /// <summary><c>GET /collections/{c}/aliases</c>.</summary>
    Task<IReadOnlyList<AliasDescription>> ListCollectionAliasesAsync(string collection, CancellationToken cancellationToken = default);

    /// <summary><c>POST /collections/aliases</c>: the actions run in order, as one request.</summary>
    Task UpdateAliasesAsync(IReadOnlyList<AliasOperation> actions, CancellationToken cancellationToken = default);

    /// <summary><c>POST /collections/{c}/points/count</c>.</summary>
    Task<long> CountAsync(string collection, bool exact = true, CancellationToken cancellationToken = default);

    /// <summary><c>POST /collections/{c}/points/scroll</c>: one page, ids ascending.</summary>
    Task<ScrollPage> ScrollAsync(string collection, ScrollRequest request, CancellationToken cancellationToken = default);

    /// <summary><c>POST /collections/{c}/points/query</c> with a nearest-vector query.</summary>
    Task<IReadOnlyList<ScoredPoint>> QueryNearestAsync(string collection, NearestQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /collections/{c}/points/query/batch</c>: several nearest-vector queries in one request, answered in
    /// order: one request and one round trip for N probes, which Qdrant plans and runs as one batch.
    /// </summary>
    Task<IReadOnlyList<IReadOnlyList<ScoredPoint>>> QueryNearestBatchAsync(string collection, IReadOnlyList<NearestQuery> queries,
        CancellationToken cancellationToken = default);

    /// <summary><c>PUT /collections/{c}/points</c> in the <c>points</c> list form.</summary>
    Task UpsertAsync(string collection, IReadOnlyList<PointStruct> points, bool wait = true, CancellationToken cancellationToken = default);

    /// <summary><c>POST /collections/{c}/snapshots?wait=true</c>. No client-side timeout: big collections take hours.</summary>
    Task<SnapshotDescription> CreateSnapshotAsync(string collection, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<SnapshotDescription>> ListSnapshotsAsync(string collection, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>GET /collections/{c}/snapshots/{name}</c> as a forward-only stream. A connection lost mid-way is resumed
    /// transparently with an HTTP Range request from the current offset (bounded retries), so the caller sees one
    /// unbroken byte sequence. <see cref="SnapshotReadStream.Length"/> is the server's Content-Length.
    /// </summary>
    Task<SnapshotReadStream> OpenSnapshotAsync(string collection, string snapshotName, CancellationToken cancellationToken = default);

    Task DeleteSnapshotAsync(string collection, string snapshotName, CancellationToken cancellationToken = default);

    /// <summary><c>PUT /collections/{c}/snapshots/recover?wait=true</c> (http(s):// or file:// location).</summary>
    Task RecoverSnapshotAsync(string collection, SnapshotRecoverRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /collections/{c}/snapshots/upload?wait=true&amp;priority=…&amp;checksum=…</c>: streams
    /// <paramref name="content"/> as the multipart part <c>snapshot</c> without buffering it.
    /// </summary>
    Task UploadSnapshotAsync(string collection, Stream content, string fileName, SnapshotPriority? priority,
        string? sha256, CancellationToken cancellationToken = default);

    /// <summary><c>GET /cluster</c>.</summary>
    Task<ClusterStatus> GetClusterAsync(CancellationToken cancellationToken = default);

    /// <summary><c>GET /collections/{c}/cluster</c>.</summary>
    Task<CollectionClusterInfo> GetCollectionClusterAsync(string collection, CancellationToken cancellationToken = default);

    // ---- Shard snapshots (§6 of API-NOTES): the per-shard path for distributed collections and topology changes.

    /// <summary><c>POST /collections/{c}/shards/{id}/snapshots?wait=true</c> (writes the archive on the node's disk).</summary>
    Task<SnapshotDescription> CreateShardSnapshotAsync(string collection, int shardId, CancellationToken cancellationToken = default);

    /// <summary><c>GET /collections/{c}/shards/{id}/snapshots</c>.</summary>
    Task<IReadOnlyList<SnapshotDescription>> ListShardSnapshotsAsync(string collection, int shardId,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>GET /collections/{c}/shards/{id}/snapshots/{name}</c>: a stored shard snapshot, resumed with Range requests
    /// exactly like <see cref="OpenSnapshotAsync"/>.
    /// </summary>
    Task<SnapshotReadStream> OpenShardSnapshotAsync(string collection, int shardId, string snapshotName,
        CancellationToken cancellationToken = default);

    /// <summary><c>DELETE /collections/{c}/shards/{id}/snapshots/{name}?wait=true</c>.</summary>
    Task DeleteShardSnapshotAsync(string collection, int shardId, string snapshotName, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>GET /collections/{c}/shards/{id}/snapshot</c>: Qdrant builds the archive straight into the (chunked) response, so
    /// nothing is written to the node's disk. There is no Content-Length and no Range support: a connection lost mid-way
    /// cannot be resumed and surfaces as an <see cref="IOException"/> from the stream (never as a silent end of file).
    /// </summary>
    Task<SnapshotReadStream> OpenShardSnapshotStreamAsync(string collection, int shardId, CancellationToken cancellationToken = default);

    /// <summary><c>PUT /collections/{c}/shards/{id}/snapshots/recover?wait=true</c>; the shard must already exist.</summary>
    Task RecoverShardSnapshotAsync(string collection, int shardId, ShardSnapshotRecoverRequest request,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /collections/{c}/shards/{id}/snapshots/upload?wait=true&amp;priority=…&amp;checksum=…</c>: streams
    /// <paramref name="content"/> as the multipart part <c>snapshot</c> without buffering it.
    /// </summary>
    Task UploadShardSnapshotAsync(string collection, int shardId, Stream content, string fileName, SnapshotPriority? priority,
        string? sha256, CancellationToken cancellationToken = default);
}

public sealed record QdrantVersionInfo(string Title, string Version, string? Commit);

/// <summary>
/// <c>CollectionInfo</c>. <see cref="Config"/> and <see cref="PayloadSchema"/> are kept as Qdrant returned them, so a
/// manifest records them faithfully whatever options a newer Qdrant adds.
/// </summary>
public sealed record CollectionInfo(string Status, long? PointsCount, JsonElement Config, JsonElement PayloadSchema)
{
    /// <summary><c>config.params.vectors</c>: one <c>VectorParams</c> object, or a map name → <c>VectorParams</c>.</summary>
    public JsonElement Vectors => Config.GetProperty("params").GetProperty("vectors");

    public int ShardNumber => Config.GetProperty("params").TryGetProperty("shard_number", out var s) ? s.GetInt32() : 1;

    public int ReplicationFactor =>
        Config.GetProperty("params").TryGetProperty("replication_factor", out var r) ? r.GetInt32() : 1;
}

public sealed record AliasDescription(string AliasName, string CollectionName);

/// <summary>One action of <c>POST /collections/aliases</c>.</summary>
public abstract record AliasOperation
{
    private AliasOperation() { }

    /// <summary><c>create_alias</c>: also atomically repoints an existing alias.</summary>
    public sealed record Create(string AliasName, string CollectionName) : AliasOperation;

    public sealed record Delete(string AliasName) : AliasOperation;

    public sealed record Rename(string OldAliasName, string NewAliasName) : AliasOperation;
}

public sealed record ScrollRequest(int Limit, PointId? Offset = null, bool WithPayload = false, bool WithVector = false);

/// <summary>A page of points; <see cref="NextPageOffset"/> is null on the last page.</summary>
public sealed record ScrollPage(IReadOnlyList<PointRecord> Points, PointId? NextPageOffset);

/// <summary>
/// A point as Qdrant returns it. <see cref="Vector"/> is the raw <c>vector</c> value (an array of floats, or an
/// object of named vectors) so nothing is lost in translation.
/// </summary>
public sealed record PointRecord(PointId Id, JsonElement? Payload, JsonElement? Vector);

/// <summary>An exact or approximate nearest-neighbour query against one (possibly named) dense vector.</summary>
public sealed record NearestQuery(float[] Vector, int Limit, bool Exact = true, string? Using = null);

public sealed record ScoredPoint(PointId Id, double Score);

public sealed record PointStruct(PointId Id, JsonNode Vector, JsonObject? Payload = null);

/// <summary><c>SnapshotDescription</c>; <see cref="CreationTime"/> is naive UTC on the wire, parsed as UTC.</summary>
public sealed record SnapshotDescription(string Name, long Size, DateTimeOffset? CreationTime, string? Checksum);

public enum SnapshotPriority
{
    NoSync,
    Snapshot,
    Replica,
}

/// <summary>Body of <c>PUT …/snapshots/recover</c>. <see cref="ApiKey"/> is sent to the URL's host, never logged.</summary>
public sealed record SnapshotRecoverRequest(Uri Location, SnapshotPriority? Priority = null, string? Checksum = null,
    string? ApiKey = null)
{
    // The compiler-generated ToString would print ApiKey and a pre-signed URL's signature: keep both out of logs.
    public override string ToString() =>
        $"SnapshotRecoverRequest {{ Location = {Redaction.Url(Location)}, Priority = {Priority}, Checksum = {Checksum}, " +
        $"ApiKey = {Redaction.Secret(ApiKey)} }}";
}

/// <summary>
/// Body of <c>PUT /collections/{c}/shards/{id}/snapshots/recover</c>. Unlike collection recovery, <see cref="Location"/>
/// is an http(s) URL <b>or a bare snapshot file name</b> looked up in the shard's snapshot directory (no file://).
/// </summary>
public sealed record ShardSnapshotRecoverRequest(string Location, SnapshotPriority? Priority = null, string? Checksum = null,
    string? ApiKey = null)
{
    public static ShardSnapshotRecoverRequest FromUrl(Uri url, SnapshotPriority? priority = null, string? checksum = null,
        string? apiKey = null) => new(url.AbsoluteUri, priority, checksum, apiKey);

    /// <summary>A snapshot already in this shard's snapshot directory on the node (e.g. one listed by <c>ListShardSnapshotsAsync</c>).</summary>
    public static ShardSnapshotRecoverRequest FromLocalSnapshot(string snapshotName, SnapshotPriority? priority = null,
        string? checksum = null) => new(snapshotName, priority, checksum);

    public override string ToString() =>
        $"ShardSnapshotRecoverRequest {{ Location = {Redaction.Location(Location)}, Priority = {Priority}, Checksum = {Checksum}, " +
        $"ApiKey = {Redaction.Secret(ApiKey)} }}";
}

/// <summary><c>ClusterStatus</c>: <see cref="Enabled"/> false on a single node.</summary>
public sealed record ClusterStatus(bool Enabled, ulong? PeerId, IReadOnlyDictionary<string, string> PeerUris);

public sealed record CollectionClusterInfo(ulong PeerId, int ShardCount, IReadOnlyList<LocalShardInfo> LocalShards,
    IReadOnlyList<RemoteShardInfo> RemoteShards);

public sealed record LocalShardInfo(int ShardId, long PointsCount, string State);

public sealed record RemoteShardInfo(int ShardId, ulong PeerId, string State);

/// <summary>A forward-only snapshot download. Disposing it releases the HTTP connection.</summary>
public abstract class SnapshotReadStream : Stream
{
    /// <summary>The file name Qdrant gave the snapshot.</summary>
    public abstract string SnapshotName { get; }

    /// <summary>
    /// The size announced by the server (Content-Length), or null when it streams without one (shard streaming
    /// snapshots). <see cref="Stream.Length"/> throws <see cref="NotSupportedException"/> when this is null.
    /// </summary>
    public virtual long? ContentLength => null;
}
