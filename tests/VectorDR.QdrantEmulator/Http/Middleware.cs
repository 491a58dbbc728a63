using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace VectorDR.QdrantEmulator.Http;

/// <summary>The emulator's request pipeline pieces, in the order <see cref="QdrantEmulatorHost"/> installs them.</summary>
internal static class Middleware
{
    public const string ControlPrefix = "/__emulator";

    /// <summary>Start clock, count, and (exe mode) log one line per request to stderr — never headers, so never the key.</summary>
    public static RequestDelegate Timing(RequestDelegate next, EmulatorStats stats, TextWriter? log) => async context =>
    {
        RequestClock.Start(context);
        var path = context.Request.Path.Value ?? "/";
        try
        {
            await next(context);
        }
        finally
        {
            if (!path.StartsWith(ControlPrefix, StringComparison.Ordinal))
            {
                stats.Record(context.Request.Method, path);
            }

            log?.WriteLine($"{DateTime.UtcNow:O} {context.Request.Method} {path} {context.Response.StatusCode} {RequestClock.Elapsed(context) * 1000:F1}ms");
        }
    };

    /// <summary>Qdrant trims trailing slashes (actix <c>NormalizePath::trim</c>).</summary>
    public static RequestDelegate TrimTrailingSlash(RequestDelegate next) => context =>
    {
        var path = context.Request.Path.Value;
        if (path is { Length: > 1 } && path.EndsWith('/'))
        {
            context.Request.Path = new PathString(path.TrimEnd('/') is { Length: > 0 } trimmed ? trimmed : "/");
        }

        return next(context);
    };

    /// <summary>Turns <see cref="QdrantApiException"/> (and request-shape failures) into Qdrant's error envelope.</summary>
    public static RequestDelegate Errors(RequestDelegate next) => async context =>
    {
        try
        {
            await next(context);
        }
        catch (QdrantApiException e) when (!context.Response.HasStarted)
        {
            await EnvelopeResult.WriteErrorAsync(context, e.StatusCode, e.Message, e.RetryAfter);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            await EnvelopeResult.WriteErrorAsync(context, 400, $"Bad request: {e.Message}");
        }
        catch (Exception) when (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
        {
            // Mid-body failure (client gone, fault cut): nothing sensible can be sent any more; drop the connection
            // so the client sees a truncated response rather than a silently short one.
            context.Abort();
        }
        catch (Exception e)
        {
            await EnvelopeResult.WriteErrorAsync(context, 500, $"Service internal error: {e.Message}");
        }
    };

    /// <summary>Applies the armed faults of <see cref="EmulatorFaults"/> to Qdrant requests.</summary>
    public static RequestDelegate Faults(RequestDelegate next, EmulatorFaults faults, EmulatorStats stats) => async context =>
    {
        var path = context.Request.Path.Value ?? "/";
        if (path.StartsWith(ControlPrefix, StringComparison.Ordinal))
        {
            await next(context);
            return;
        }

        if (faults.TryTakeDelay() is { } delay)
        {
            await Task.Delay(delay, context.RequestAborted);
        }

        if (faults.TryTakeReset())
        {
            context.Abort();
            return;
        }

        if (faults.TryTakeFailure(out var status, out var retryAfter))
        {
            await EnvelopeResult.WriteErrorAsync(context, status, FaultMessage(status), retryAfter);
            return;
        }

        if (IsSnapshotBody(context.Request) && faults.TryTakeCut() is { } cutAfter)
        {
            var original = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
            var cutting = new CuttingStream(new CountingStream(original.Stream, stats), cutAfter, context);
            context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(cutting, original));
        }
        else if (IsSnapshotBody(context.Request))
        {
            var original = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
            var counting = new CountingStream(original.Stream, stats);
            context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(counting, original));
        }

        await next(context);
    };

    /// <summary>
    /// Qdrant's api-key check: <c>api-key</c> header first, then <c>Authorization: Bearer</c>; 401 in plain text;
    /// a read-only key on a write/manage operation → 403 envelope.
    /// </summary>
    public static RequestDelegate Auth(RequestDelegate next, string? apiKey, string? readOnlyKey) => async context =>
    {
        var path = context.Request.Path.Value ?? "/";
        if ((apiKey is null && readOnlyKey is null) || IsPublic(path))
        {
            await next(context);
            return;
        }

        var presented = PresentedKey(context.Request);
        if (presented is null)
        {
            await PlainTextAsync(context, 401, "Must provide an API key or an Authorization bearer token");
            return;
        }

        if (apiKey is not null && FixedEquals(presented, apiKey))
        {
            await next(context);
            return;
        }

        if (readOnlyKey is not null && FixedEquals(presented, readOnlyKey))
        {
            if (AccessRules.RequiresWrite(context.Request.Method, path))
            {
                // Body is never read here: upload endpoints are refused before any byte of the multipart body.
                await EnvelopeResult.WriteErrorAsync(context, 403, "Forbidden: Global manage access is required");
                return;
            }

            await next(context);
            return;
        }

        await PlainTextAsync(context, 401, "Invalid API key or JWT");
    };

    private static bool IsPublic(string path) =>
        path is "/" or "/healthz" or "/readyz" or "/livez" || path.StartsWith(ControlPrefix, StringComparison.Ordinal);

    private static string? PresentedKey(HttpRequest request)
    {
        if (request.Headers.TryGetValue("api-key", out var key) && key.Count > 0)
        {
            return key.ToString();
        }

        var authorization = request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        return authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) ? authorization[bearer.Length..].Trim() : null;
    }

    private static bool FixedEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private static async Task PlainTextAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(text, context.RequestAborted);
    }

    /// <summary>Snapshot downloads (<c>.../snapshots/{name}</c>) and the shard stream (<c>.../snapshot</c>).</summary>
    private static bool IsSnapshotBody(HttpRequest request)
    {
        if (!HttpMethods.IsGet(request.Method))
        {
            return false;
        }

        var segments = (request.Path.Value ?? string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments.Length >= 3 && (segments[^1] == "snapshot" || segments[^2] == "snapshots");
    }

    private static string FaultMessage(int status) => status switch
    {
        429 => "Rate limiting exceeded: emulator fault injection",
        503 => "Service unavailable: emulator fault injection",
        500 => "Service internal error: emulator fault injection",
        408 => "Timeout: emulator fault injection",
        _ => $"Emulator fault injection ({status})",
    };
}
