using System.Text.Json.Nodes;
using VectorDR.QdrantEmulator.Http;

namespace VectorDR.QdrantEmulator.Endpoints;

/// <summary>
/// Test control API under <c>/__emulator</c> (not part of Qdrant; never authenticated, never faulted).
/// <code>
/// POST   /__emulator/faults  {"fail_next":{"count":2,"status":503,"retry_after_seconds":1},
///                             "reset_next":1, "cut_stream_after_bytes":1048576, "cut_count":1,
///                             "delay_ms":200, "delay_count":3}
/// DELETE /__emulator/faults  clear all faults
/// GET    /__emulator/faults  armed faults
/// GET    /__emulator/stats   request counters; DELETE resets them
/// </code>
/// </summary>
internal static class ControlEndpoints
{
    public static void Map(WebApplication app, QdrantNode node)
    {
        app.MapGet("/__emulator/faults", () => Results.Json(node.Faults.Describe()));
        app.MapDelete("/__emulator/faults", () =>
        {
            node.Faults.Clear();
            return Results.Json(node.Faults.Describe());
        });
        app.MapPost("/__emulator/faults", async (HttpContext context) =>
        {
            var body = await RequestReader.ReadObjectAsync(context, context.RequestAborted);
            if (body["fail_next"] is JsonObject fail)
            {
                var retry = fail["retry_after_seconds"]?.GetValue<double>();
                node.Faults.FailNextRequests(fail["count"]?.GetValue<int>() ?? 1, fail["status"]?.GetValue<int>() ?? 503,
                    retry is null ? null : TimeSpan.FromSeconds(retry.Value));
            }

            if (body["reset_next"]?.GetValue<int>() is { } reset)
            {
                node.Faults.ResetNextConnections(reset);
            }

            if (body["cut_stream_after_bytes"]?.GetValue<long>() is { } cut)
            {
                node.Faults.CutStreamsAfterBytes(cut, body["cut_count"]?.GetValue<int>() ?? 1);
            }

            if (body["delay_ms"]?.GetValue<int>() is { } delay)
            {
                node.Faults.DelayNextRequests(TimeSpan.FromMilliseconds(delay), body["delay_count"]?.GetValue<int>() ?? int.MaxValue);
            }

            return Results.Json(node.Faults.Describe());
        });
        app.MapGet("/__emulator/stats", () => Results.Json(node.Stats.Describe()));
        app.MapDelete("/__emulator/stats", () =>
        {
            node.Stats.Reset();
            return Results.Json(node.Stats.Describe());
        });
    }
}
