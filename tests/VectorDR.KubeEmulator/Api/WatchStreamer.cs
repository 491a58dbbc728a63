using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using VectorDR.KubeEmulator.Selectors;
using VectorDR.KubeEmulator.Storage;
using VectorDR.KubeEmulator.Tables;

namespace VectorDR.KubeEmulator.Api;

/// <summary>What a watch request asked for.</summary>
internal sealed record WatchRequest(
    ResourceType Type,
    string? Namespace,
    LabelSelector Labels,
    FieldSelector Fields,
    string? ResourceVersion,
    bool AllowBookmarks,
    bool SendInitialEvents,
    TimeSpan Timeout,
    bool AsTable,
    string? IncludeObject);

/// <summary>
/// Streams a watch as newline-delimited <c>{"type":..,"object":..}</c> JSON, the way the API server does: synthetic ADDED
/// events for a watch without resourceVersion, replay from history when resuming, an in-stream ERROR event with a 410
/// Status for compacted resourceVersions, periodic BOOKMARKs when allowed, and the end of the stream on timeout.
/// </summary>
internal sealed class WatchStreamer(ObjectStore store, EmulatorFaults faults, TableConverter tables, TimeSpan bookmarkInterval)
{
    public async Task StreamAsync(HttpContext context, WatchRequest request, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json";
        response.Headers.CacheControl = "no-cache, private";
        var dropToken = faults.WatchDropToken;

        ObjectStore.Subscription? subscription = null;
        var initial = new List<JsonObject>();
        JsonObject? startError = null;
        lock (store.Gate)
        {
            try
            {
                var fromScratch = string.IsNullOrEmpty(request.ResourceVersion) || request.ResourceVersion == "0" || request.SendInitialEvents;
                long from;
                if (fromScratch)
                {
                    from = store.CurrentResourceVersion;
                    initial.AddRange(store.List(request.Type.GroupResource, request.Namespace).Where(o => Matches(request, o)));
                }
                else if (!long.TryParse(request.ResourceVersion, out from))
                {
                    throw ApiException.BadRequest($"invalid resource version: \"{request.ResourceVersion}\"");
                }

                subscription = store.Subscribe(request.Type.GroupResource, from);
            }
            catch (ApiException e) when (e.Code == 410)
            {
                startError = e.ToStatus();
            }
        }

        faults.WatchOpened();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, dropToken);
        linked.CancelAfter(request.Timeout);
        try
        {
            await response.StartAsync(linked.Token);
            await response.Body.FlushAsync(linked.Token);
            if (startError is not null)
            {
                await WriteAsync(response, "ERROR", startError, linked.Token);
                return;
            }

            foreach (var obj in initial)
            {
                await WriteAsync(response, "ADDED", Render(request, obj), linked.Token);
            }

            if (request.SendInitialEvents && request.AllowBookmarks)
            {
                await WriteAsync(response, "BOOKMARK", Bookmark(request, store.CurrentResourceVersion, initialEventsEnd: true), linked.Token);
            }

            await PumpAsync(response, request, subscription!, linked.Token);
        }
        catch (OperationCanceledException) when (dropToken.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // A dropped watch looks like a broken connection to the client, not a clean end of stream.
            context.Abort();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // timeoutSeconds elapsed: the server ends the stream cleanly.
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
        catch (IOException)
        {
            // The client went away mid-write.
        }
        finally
        {
            subscription?.Dispose();
            faults.WatchClosed();
        }
    }

    private async Task PumpAsync(HttpResponse response, WatchRequest request, ObjectStore.Subscription subscription, CancellationToken cancellationToken)
    {
        var reader = subscription.Reader;
        var lastSent = 0L;
        Task<bool>? waitForData = null;
        while (true)
        {
            // One outstanding wait at a time; a bookmark tick leaves it pending for the next round.
            waitForData ??= reader.WaitToReadAsync(cancellationToken).AsTask();
            var completed = request.AllowBookmarks
                ? await Task.WhenAny(waitForData, Task.Delay(bookmarkInterval, cancellationToken))
                : waitForData;
            cancellationToken.ThrowIfCancellationRequested();
            if (completed != waitForData)
            {
                long? bookmarkVersion = null;
                lock (store.Gate)
                {
                    // Only claim the current revision when nothing for this watcher is still queued.
                    if (reader.Count == 0)
                    {
                        bookmarkVersion = store.CurrentResourceVersion;
                    }
                }

                if (bookmarkVersion is { } version && version > lastSent)
                {
                    await WriteAsync(response, "BOOKMARK", Bookmark(request, version, initialEventsEnd: false), cancellationToken);
                    lastSent = version;
                }

                continue;
            }

            var hasData = await waitForData;
            waitForData = null;
            if (!hasData)
            {
                return;
            }

            while (reader.TryRead(out var stored))
            {
                var type = Translate(request, stored);
                if (type is not null)
                {
                    await WriteAsync(response, type, Render(request, stored.Object), cancellationToken);
                }

                lastSent = stored.ResourceVersion;
            }
        }
    }

    /// <summary>Maps a committed event to what a filtered watcher sees (selector transitions become ADDED/DELETED).</summary>
    private static string? Translate(WatchRequest request, StoredEvent stored)
    {
        if (request.Namespace is not null && stored.Key.Namespace != request.Namespace)
        {
            return null;
        }

        var now = Matches(request, stored.Object);
        return stored.Type switch
        {
            "ADDED" => now ? "ADDED" : null,
            "DELETED" => now || (stored.Previous is not null && Matches(request, stored.Previous)) ? "DELETED" : null,
            _ => (stored.Previous is not null && Matches(request, stored.Previous), now) switch
            {
                (true, true) => "MODIFIED",
                (false, true) => "ADDED",
                (true, false) => "DELETED",
                _ => null,
            },
        };
    }

    private static bool Matches(WatchRequest request, JsonObject obj) => request.Labels.Matches(Meta.Labels(obj)) && request.Fields.Matches(obj);

    private JsonObject Render(WatchRequest request, JsonObject obj)
    {
        var presented = ResourceService.Present(request.Type, obj);
        return request.AsTable
            ? tables.Convert(request.Type, [presented], Meta.ResourceVersion(presented) ?? "", null, request.IncludeObject)
            : presented;
    }

    private static JsonObject Bookmark(WatchRequest request, long resourceVersion, bool initialEventsEnd)
    {
        var metadata = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (initialEventsEnd)
        {
            metadata["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }

        return new JsonObject { ["kind"] = request.Type.Kind, ["apiVersion"] = request.Type.ApiVersion, ["metadata"] = metadata };
    }

    private static async Task WriteAsync(HttpResponse response, string type, JsonObject obj, CancellationToken cancellationToken)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() };
        await response.Body.WriteAsync(JsonWire.Serialize(line, newline: true), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
