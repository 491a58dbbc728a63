using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VectorDR.QdrantEmulator.Http;

/// <summary>
/// Writes Qdrant's response envelope <c>{"result":..,"status":"ok","time":..}</c> straight to the response with a
/// <see cref="Utf8JsonWriter"/>, so big results (scroll pages with vectors) never become a DOM. <c>result</c> is
/// omitted when there is nothing to return, as Qdrant's <c>ApiResponse</c> does.
/// </summary>
internal sealed class EnvelopeResult(int statusCode, string status, Action<Utf8JsonWriter>? writeResult) : IResult
{
    public static EnvelopeResult Ok(Action<Utf8JsonWriter> writeResult) => new(200, "ok", writeResult);

    public static EnvelopeResult Ok(JsonNode? result) => new(200, "ok", w =>
    {
        if (result is null)
        {
            w.WriteNullValue();
        }
        else
        {
            result.WriteTo(w);
        }
    });

    public static EnvelopeResult Ok(bool result) => new(200, "ok", w => w.WriteBooleanValue(result));

    /// <summary>202 for <c>wait=false</c>: no result key.</summary>
    public static EnvelopeResult Accepted() => new(202, "accepted", null);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = statusCode;
        response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(response.BodyWriter);
        writer.WriteStartObject();
        if (writeResult is not null)
        {
            writer.WritePropertyName("result");
            writeResult(writer);
        }

        writer.WriteString("status", status);
        writer.WriteNumber("time", RequestClock.Elapsed(httpContext));
        writer.WriteEndObject();
        await writer.FlushAsync(httpContext.RequestAborted);
        // Explicit: a replaced body feature (fault/counting wrappers) only sends what its pipe was flushed with.
        await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
    }

    /// <summary>Writes the error envelope <c>{"status":{"error":..},"time":..}</c>.</summary>
    public static async Task WriteErrorAsync(HttpContext context, int statusCode, string message, TimeSpan? retryAfter = null)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = "application/json";
        if (retryAfter is { } delay)
        {
            response.Headers.RetryAfter = ((long)Math.Ceiling(delay.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await using var writer = new Utf8JsonWriter(response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteStartObject("status");
        writer.WriteString("error", message);
        writer.WriteEndObject();
        writer.WriteNumber("time", RequestClock.Elapsed(context));
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }
}

/// <summary>Remembers when a request started, for the envelope's <c>time</c> field.</summary>
internal static class RequestClock
{
    private const string Key = "qdrant-emulator.start";

    public static void Start(HttpContext context) => context.Items[Key] = Stopwatch.GetTimestamp();

    public static double Elapsed(HttpContext context) =>
        context.Items.TryGetValue(Key, out var start) && start is long ticks
            ? Math.Round(Stopwatch.GetElapsedTime(ticks).TotalSeconds, 6)
            : 0.0;
}
