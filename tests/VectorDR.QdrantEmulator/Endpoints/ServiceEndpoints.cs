using System.Text.Json.Nodes;
using VectorDR.QdrantEmulator.Http;

namespace VectorDR.QdrantEmulator.Endpoints;

/// <summary><c>GET /</c>, health probes and cluster status (API-NOTES §10.1).</summary>
internal static class ServiceEndpoints
{
    public static void Map(WebApplication app, QdrantNode node)
    {
        // Not enveloped.
        app.MapGet("/", () => Results.Json(new JsonObject
        {
            ["title"] = "qdrant - vector search engine",
            ["version"] = node.Options.Version,
            ["commit"] = node.Options.Commit,
        }));
        app.MapGet("/healthz", () => Results.Text("healthz check passed", "text/plain"));
        app.MapGet("/livez", () => Results.Text("healthz check passed", "text/plain"));
        app.MapGet("/readyz", () => Results.Text("all shards are ready", "text/plain"));

        // Minimal TelemetryData: what a client needs to observe wait=false snapshot work (no task API in Qdrant).
        app.MapGet("/telemetry", () =>
        {
            var names = node.Registry.Names();
            return EnvelopeResult.Ok(new JsonObject
            {
                ["id"] = node.InstanceId,
                ["app"] = new JsonObject
                {
                    ["name"] = "qdrant",
                    ["version"] = node.Options.Version,
                    ["startup"] = node.StartedUtc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
                },
                ["collections"] = new JsonObject
                {
                    ["number_of_collections"] = names.Count,
                    ["snapshots"] = node.Telemetry.Describe(names),
                },
                ["cluster"] = new JsonObject { ["enabled"] = false },
            });
        });

        app.MapGet("/cluster", () => EnvelopeResult.Ok(new JsonObject { ["status"] = "disabled" }));
        app.MapGet("/collections/{collection}/cluster", (string collection) =>
        {
            var c = node.Registry.Get(collection);
            var local = new JsonArray();
            foreach (var shard in c.Shards)
            {
                local.Add(new JsonObject { ["shard_id"] = shard.Id, ["points_count"] = shard.Count, ["state"] = "Active" });
            }

            return EnvelopeResult.Ok(new JsonObject
            {
                ["peer_id"] = node.PeerId,
                ["shard_count"] = c.Shards.Count,
                ["local_shards"] = local,
                ["remote_shards"] = new JsonArray(),
                ["shard_transfers"] = new JsonArray(),
            });
        });
    }
}
