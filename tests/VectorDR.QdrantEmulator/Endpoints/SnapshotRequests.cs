using System.Text.Json.Nodes;
using Microsoft.Net.Http.Headers;
using VectorDR.QdrantEmulator.Http;
using VectorDR.QdrantEmulator.Snapshots;

namespace VectorDR.QdrantEmulator.Endpoints;

/// <summary>A parsed <c>SnapshotRecover</c> / <c>ShardSnapshotRecover</c> body.</summary>
internal sealed record RecoverRequest(string Location, string? Priority, string? Checksum, string? ApiKey)
{
    public static RecoverRequest Parse(JsonObject body)
    {
        var location = RequestReader.OptionalString(body, "location") ?? throw QdrantApiException.JsonFormat("missing field `location`");
        var priority = ParsePriority(RequestReader.OptionalString(body, "priority"), QdrantApiException.JsonFormat);
        var checksum = RequestReader.ValidateChecksum(RequestReader.OptionalString(body, "checksum"), "JSON body");
        return new RecoverRequest(location, priority, checksum, RequestReader.OptionalString(body, "api_key"));
    }

    /// <summary>Validates <c>priority</c>; <paramref name="error"/> picks the body or query-string wording.</summary>
    public static string? ParsePriority(string? priority, Func<string, QdrantApiException> error) => priority switch
    {
        null or "no_sync" or "snapshot" or "replica" => priority,
        _ => throw error($"unknown variant `{priority}`, expected one of `no_sync`, `snapshot`, `replica`"),
    };
}

/// <summary>Shared pieces of the collection and shard snapshot endpoints.</summary>
internal static class SnapshotResponses
{
    public static EnvelopeResult List(IReadOnlyList<SnapshotInfo> snapshots) => EnvelopeResult.Ok(w =>
    {
        w.WriteStartArray();
        foreach (var snapshot in snapshots)
        {
            snapshot.WriteTo(w);
        }

        w.WriteEndArray();
    });

    public static EnvelopeResult Description(SnapshotInfo info) => EnvelopeResult.Ok(info.WriteTo);

    /// <summary>
    /// Serves a snapshot file from disk like actix's <c>NamedFile</c>: Content-Length, Last-Modified, ETag and HTTP
    /// Range (206/416), streamed from the file, never loaded into memory.
    /// </summary>
    public static IResult Download(string directory, string name)
    {
        var path = SnapshotStore.Resolve(directory, name) ?? throw SnapshotNotFound(name);
        var file = new FileInfo(path);
        var etag = new EntityTagHeaderValue($"\"{file.LastWriteTimeUtc.Ticks:x}-{file.Length:x}\"");
        return TypedResults.PhysicalFile(path, "application/octet-stream", name, file.LastWriteTimeUtc, etag, enableRangeProcessing: true);
    }

    public static QdrantApiException SnapshotNotFound(string name) => QdrantApiException.NotFound($"Snapshot {name} not found");

    /// <summary>Runs snapshot work now (wait=true) or after answering 202 (wait=false).</summary>
    public static async Task<IResult> RunAsync(QdrantNode node, HttpContext context, string what, Func<CancellationToken, Task<IResult>> work)
    {
        if (RequestReader.QueryBool(context, "wait", true))
        {
            // The node's token, not the request's: like Qdrant, a client disconnect does not stop the job.
            return await work(node.Stopping);
        }

        node.RunInBackground(what, async ct => await work(ct));
        return EnvelopeResult.Accepted();
    }

    public static IResult Ok() => EnvelopeResult.Ok(true);

    /// <summary>
    /// Receives the multipart <c>snapshot</c> part of an upload to disk and checks it against the <c>checksum</c> query
    /// parameter (already validated by the caller), as Qdrant does before recovering; a mismatch deletes the file.
    /// </summary>
    public static async Task<ReceivedUpload> ReceiveUploadAsync(HttpContext context, string directory, string? checksum)
    {
        var upload = await MultipartUpload.ReceiveAsync(context, directory, context.RequestAborted);
        if (checksum is not null && checksum != upload.Sha256)
        {
            File.Delete(upload.Path);
            throw new QdrantApiException(400, $"Checksum mismatch: expected {upload.Sha256}, actual {checksum}");
        }

        return upload;
    }
}
