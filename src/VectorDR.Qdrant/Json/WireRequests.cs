using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using VectorDR.Core;

namespace VectorDR.Qdrant.Json;

// Request bodies, serialised snake_case with nulls omitted (QdrantJson.Options). Each one is checked against the
// request schema of its path in openapi.json by the contract tests.

/// <summary><c>CountRequest</c>.</summary>
internal sealed record WireCountRequest(bool Exact);

/// <summary><c>ScrollRequest</c>.</summary>
internal sealed record WireScrollRequest(int Limit, PointId? Offset, bool WithPayload, bool WithVector);

/// <summary><c>QueryRequest</c> with a plain nearest-vector query.</summary>
internal sealed record WireQueryRequest(
    float[] Query,
    string? Using,
    [property: JsonPropertyName("params")] WireSearchParams Params,
    int Limit,
    bool WithPayload);

internal sealed record WireSearchParams(bool Exact);

/// <summary><c>QueryRequestBatch</c>.</summary>
internal sealed record WireQueryRequestBatch(IReadOnlyList<WireQueryRequest> Searches);

/// <summary><c>PointsList</c>.</summary>
internal sealed record WirePointsList(IReadOnlyList<WirePointStruct> Points);

internal sealed record WirePointStruct(PointId Id, JsonNode Vector, JsonObject? Payload);

/// <summary><c>ChangeAliasesOperation</c>; the actions are built as JSON because each is a one-key tagged union.</summary>
internal sealed record WireAliasActions(JsonArray Actions);

/// <summary><c>SnapshotRecover</c> and <c>ShardSnapshotRecover</c> (same fields; location is a URL or a shard-local name).</summary>
internal sealed record WireSnapshotRecover(string Location, SnapshotPriority? Priority, string? Checksum, string? ApiKey);
