using VectorDR.QdrantEmulator.Http;
using VectorDR.QdrantEmulator.Model;
using VectorDR.QdrantEmulator.Snapshots;

namespace VectorDR.QdrantEmulator.Endpoints;

/// <summary>Shard snapshots, including the streaming <c>GET .../shards/{id}/snapshot</c> (API-NOTES §6).</summary>
internal static class ShardSnapshotEndpoints
{
    private const string Base = "/collections/{collection}/shards/{shard}";

    public static void Map(WebApplication app, QdrantNode node)
    {
        var store = node.Snapshots;

        app.MapPost(Base + "/snapshots", (HttpContext context, string collection, string shard) =>
        {
            var (c, id) = Resolve(node, collection, shard);
            return SnapshotResponses.RunAsync(node, context, $"snapshot of {c.Name} shard {id}", async ct =>
            {
                using var activity = node.Telemetry.Creating(c.Name);
                var info = await store.CreateShardSnapshotAsync(c, id, ct);
                activity.Complete();
                return SnapshotResponses.Description(info);
            });
        });

        app.MapGet(Base + "/snapshots", (string collection, string shard) =>
        {
            var (c, id) = Resolve(node, collection, shard);
            return SnapshotResponses.List(store.List(store.ShardDirectory(c.Name, id)));
        });

        app.MapGet(Base + "/snapshots/{name}", (string collection, string shard, string name) =>
        {
            var (c, id) = Resolve(node, collection, shard);
            return SnapshotResponses.Download(store.ShardDirectory(c.Name, id), name);
        });

        app.MapDelete(Base + "/snapshots/{name}", (HttpContext context, string collection, string shard, string name) =>
        {
            var (c, id) = Resolve(node, collection, shard);
            var path = SnapshotStore.Resolve(store.ShardDirectory(c.Name, id), name) ?? throw SnapshotResponses.SnapshotNotFound(name);
            return SnapshotResponses.RunAsync(node, context, $"delete of {name}", _ =>
            {
                store.Delete(path);
                return Task.FromResult(SnapshotResponses.Ok());
            });
        });

        if (node.SupportsShardStreaming)
        {
            // Older servers (< 1.12) have no such route: the default empty 404 is what they answer.
            app.MapGet(Base + "/snapshot", async (HttpContext context, string collection, string shard) =>
            {
                var (c, id) = Resolve(node, collection, shard);
                var state = CollectionState.Capture(c, id);
                var name = SnapshotStore.ShardSnapshotName(c.Name, id, node.Options.TimeProvider.GetUtcNow().UtcDateTime);
                var response = context.Response;
                response.StatusCode = 200;
                response.ContentType = "application/octet-stream";
                response.Headers.ContentDisposition = $"attachment; filename=\"{name}\"";
                // No Content-Length and no Range: the tar is produced while it is sent (chunked), nothing touches disk.
                await response.StartAsync(context.RequestAborted);
                await node.ArchiveWriter.WriteShardAsync(response.Body, state, id, context.RequestAborted);
            });
        }

        app.MapPut(Base + "/snapshots/recover", async (HttpContext context, string collection, string shard) =>
        {
            var (c, id) = Resolve(node, collection, shard);
            var request = RecoverRequest.Parse(await RequestReader.ReadObjectAsync(context, context.RequestAborted));
            return await SnapshotResponses.RunAsync(node, context, $"recovery of {c.Name} shard {id}", async ct =>
            {
                using var activity = node.Telemetry.Recovering(c.Name);
                using var local = await node.Recovery.FetchShardLocationAsync(c.Name, id, request.Location, request.ApiKey, ct);
                await SnapshotRecovery.VerifyChecksumAsync(local.Path, request.Checksum, uploadWording: false, ct);
                SnapshotRecovery.RecoverShard(c, id, local.Path);
                return SnapshotResponses.Ok();
            });
        });

        app.MapPost(Base + "/snapshots/upload", async (HttpContext context, string collection, string shard) =>
        {
            RequestReader.ValidateCollectionName(collection, strict: true);
            var (c, id) = Resolve(node, collection, shard);
            RecoverRequest.ParsePriority(RequestReader.QueryString(context, "priority"), QdrantApiException.QueryFormat);
            var checksum = RequestReader.ValidateChecksum(RequestReader.QueryString(context, "checksum"), "query parameters");
            RequestReader.QueryBool(context, "wait", true); // a malformed query is refused before the body is read
            var upload = await SnapshotResponses.ReceiveUploadAsync(context, store.UploadDirectory, checksum);

            return await SnapshotResponses.RunAsync(node, context, $"upload recovery of {c.Name} shard {id}", _ =>
            {
                try
                {
                    using var activity = node.Telemetry.Recovering(c.Name);
                    SnapshotRecovery.RecoverShard(c, id, upload.Path);
                    return Task.FromResult(SnapshotResponses.Ok());
                }
                finally
                {
                    File.Delete(upload.Path);
                }
            });
        });
    }

    private static (Collection Collection, int ShardId) Resolve(QdrantNode node, string collection, string shard)
    {
        var c = node.Registry.Get(collection);
        var id = RequestReader.ParseShardId(shard);
        if (id >= c.Shards.Count)
        {
            throw QdrantApiException.NotFound($"Shard {id} of {c.Name} not found");
        }

        return (c, (int)id);
    }
}
