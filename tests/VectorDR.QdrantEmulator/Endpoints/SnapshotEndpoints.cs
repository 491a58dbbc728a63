using VectorDR.QdrantEmulator.Http;
using VectorDR.QdrantEmulator.Snapshots;

namespace VectorDR.QdrantEmulator.Endpoints;

/// <summary>Collection snapshots: create, list, download, delete, recover from URL/file, upload (API-NOTES §4).</summary>
internal static class SnapshotEndpoints
{
    public static void Map(WebApplication app, QdrantNode node)
    {
        var store = node.Snapshots;

        app.MapPost("/collections/{collection}/snapshots", (HttpContext context, string collection) =>
        {
            var c = node.Registry.Get(collection);
            return SnapshotResponses.RunAsync(node, context, $"snapshot of {c.Name}", async ct =>
            {
                using var activity = node.Telemetry.Creating(c.Name);
                var info = await store.CreateCollectionSnapshotAsync(c, ct);
                activity.Complete();
                return SnapshotResponses.Description(info);
            });
        });

        app.MapGet("/collections/{collection}/snapshots", (string collection) =>
        {
            var c = node.Registry.Get(collection);
            return SnapshotResponses.List(store.List(store.CollectionDirectory(c.Name)));
        });

        app.MapGet("/collections/{collection}/snapshots/{name}", (string collection, string name) =>
        {
            var c = node.Registry.Get(collection);
            return SnapshotResponses.Download(store.CollectionDirectory(c.Name), name);
        });

        app.MapDelete("/collections/{collection}/snapshots/{name}", (HttpContext context, string collection, string name) =>
        {
            var c = node.Registry.Get(collection);
            var path = SnapshotStore.Resolve(store.CollectionDirectory(c.Name), name) ?? throw SnapshotResponses.SnapshotNotFound(name);
            return SnapshotResponses.RunAsync(node, context, $"delete of {name}", _ =>
            {
                store.Delete(path);
                return Task.FromResult(SnapshotResponses.Ok());
            });
        });

        app.MapPut("/collections/{collection}/snapshots/recover", async (HttpContext context, string collection) =>
        {
            RequestReader.ValidateCollectionName(collection, strict: false);
            var request = RecoverRequest.Parse(await RequestReader.ReadObjectAsync(context, context.RequestAborted));
            return await SnapshotResponses.RunAsync(node, context, $"recovery of {collection}", async ct =>
            {
                using var activity = node.Telemetry.Recovering(collection);
                using var local = await node.Recovery.FetchCollectionLocationAsync(request.Location, request.ApiKey, ct);
                await SnapshotRecovery.VerifyChecksumAsync(local.Path, request.Checksum, uploadWording: false, ct);
                node.Recovery.RecoverCollection(collection, local.Path);
                return SnapshotResponses.Ok();
            });
        });

        app.MapPost("/collections/{collection}/snapshots/upload", async (HttpContext context, string collection) =>
        {
            // Everything that can be checked without the body is checked first (auth already ran in middleware).
            RequestReader.ValidateCollectionName(collection, strict: true);
            RecoverRequest.ParsePriority(RequestReader.QueryString(context, "priority"), QdrantApiException.QueryFormat);
            var checksum = RequestReader.ValidateChecksum(RequestReader.QueryString(context, "checksum"), "query parameters");
            RequestReader.QueryBool(context, "wait", true); // a malformed query is refused before the body is read
            var upload = await SnapshotResponses.ReceiveUploadAsync(context, store.UploadDirectory, checksum);

            // Like Qdrant, the upload is moved into the collection's snapshot dir and stays there (listed, no checksum).
            var path = store.Adopt(upload.Path, store.CollectionDirectory(collection), MultipartUpload.TargetName(upload.FileName));
            return await SnapshotResponses.RunAsync(node, context, $"upload recovery of {collection}", _ =>
            {
                using var activity = node.Telemetry.Recovering(collection);
                node.Recovery.RecoverCollection(collection, path);
                return Task.FromResult(SnapshotResponses.Ok());
            });
        });
    }
}
