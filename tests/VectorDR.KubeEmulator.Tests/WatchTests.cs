using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;

namespace VectorDR.KubeEmulator.Tests;

/// <summary>Watch semantics: initial ADDED, live events, resume from a resourceVersion, 410 after compaction, bookmarks, drops, timeouts.</summary>
public sealed class WatchTests : EmulatorTestBase
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";

    [Fact]
    public async Task Watch_without_resource_version_sends_ADDED_for_existing_objects_then_live_events()
    {
        await CreateConfigMapAsync("pre");
        await using var watch = await WatchStream.OpenAsync(Http, $"{ConfigMaps}?watch=true");
        Assert.Equal(("ADDED", "pre"), await watch.NextAsync());

        var live = await CreateConfigMapAsync("live");
        Assert.Equal(("ADDED", "live"), await watch.NextAsync());
        await SendAsync(HttpMethod.Patch, $"{ConfigMaps}/live", JsonNode.Parse("""{"data":{"k":"v"}}"""), "application/merge-patch+json");
        Assert.Equal(("MODIFIED", "live"), await watch.NextAsync());
        await SendAsync(HttpMethod.Delete, $"{ConfigMaps}/live");
        var (type, obj) = await watch.NextObjectAsync();
        Assert.Equal("DELETED", type);
        Assert.True(long.Parse(Rv(obj)) > long.Parse(Rv(live)));
    }

    [Fact]
    public async Task Watch_resumes_from_a_resource_version_and_replays_only_later_events()
    {
        var first = await CreateConfigMapAsync("one");
        await CreateConfigMapAsync("two");
        await CreateConfigMapAsync("three");
        await using var watch = await WatchStream.OpenAsync(Http, $"{ConfigMaps}?watch=1&resourceVersion={Rv(first)}");
        Assert.Equal(("ADDED", "two"), await watch.NextAsync());
        Assert.Equal(("ADDED", "three"), await watch.NextAsync());
    }

    [Fact]
    public async Task Compacted_history_answers_old_resource_versions_with_an_in_stream_410_Gone()
    {
        var first = await CreateConfigMapAsync("old");
        await CreateConfigMapAsync("newer");
        Host.Faults.CompactHistory();
        await using var watch = await WatchStream.OpenAsync(Http, $"{ConfigMaps}?watch=1&resourceVersion={Rv(first)}");
        var (type, status) = await watch.NextObjectAsync();
        Assert.Equal("ERROR", type);
        Assert.Equal(410, status["code"]!.GetValue<int>());
        Assert.Equal("Expired", status["reason"]!.GetValue<string>());
        Assert.StartsWith("too old resource version", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_beyond_the_configured_window_is_gone_too()
    {
        await using var host = await KubeEmulatorHost.StartAsync(new KubeEmulatorOptions { WatchHistoryLimit = 2 });
        using var http = CreateHttpClient(host, host.Token);
        var versions = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var response = await http.PostAsync(ConfigMaps, new StringContent(new JsonObject { ["metadata"] = new JsonObject { ["name"] = $"c{i}" } }.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
            versions.Add(Rv(JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject()));
        }

        await using (var tooOld = await WatchStream.OpenAsync(http, $"{ConfigMaps}?watch=1&resourceVersion={versions[0]}"))
        {
            Assert.Equal("ERROR", (await tooOld.NextObjectAsync()).Type);
        }

        await using var recent = await WatchStream.OpenAsync(http, $"{ConfigMaps}?watch=1&resourceVersion={versions[2]}");
        Assert.Equal(("ADDED", "c3"), await recent.NextAsync());
    }

    [Fact]
    public async Task Bookmarks_carry_the_current_resource_version_when_allowed()
    {
        var created = await CreateConfigMapAsync("b");
        await using var watch = await WatchStream.OpenAsync(Http, $"{ConfigMaps}?watch=1&allowWatchBookmarks=true&resourceVersion={Rv(created)}");
        var (type, bookmark) = await watch.NextObjectAsync();
        Assert.Equal("BOOKMARK", type);
        Assert.Equal("ConfigMap", bookmark["kind"]!.GetValue<string>());
        Assert.True(long.Parse(Rv(bookmark)) >= long.Parse(Rv(created)));
    }

    [Fact]
    public async Task Dropping_watches_closes_their_connections()
    {
        await using var watch = await WatchStream.OpenAsync(Http, $"{ConfigMaps}?watch=1");
        await Eventually(() => Task.FromResult(Host.Faults.OpenWatches == 1), "the watch to open");
        Host.Faults.DropAllWatches();
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var line = await watch.ReadLineAsync();
            if (line is null)
            {
                throw new IOException("stream ended");
            }
        });
        await Eventually(() => Task.FromResult(Host.Faults.OpenWatches == 0), "the watch to close");
    }

    [Fact]
    public async Task TimeoutSeconds_ends_the_stream_cleanly()
    {
        await using var watch = await WatchStream.OpenAsync(Http, $"{ConfigMaps}?watch=1&timeoutSeconds=1");
        Assert.Null(await watch.ReadLineAsync());
    }

    [Fact]
    public async Task Label_selector_watches_see_objects_leave_and_enter_the_selection()
    {
        var created = await CreateConfigMapAsync("sel");
        await using var watch = await WatchStream.OpenAsync(Http, $"{ConfigMaps}?watch=1&labelSelector=app%3Dx&resourceVersion={Rv(created)}");
        await SendAsync(HttpMethod.Patch, $"{ConfigMaps}/sel", JsonNode.Parse("""{"metadata":{"labels":{"app":"x"}}}"""), "application/merge-patch+json");
        Assert.Equal(("ADDED", "sel"), await watch.NextAsync());
        await SendAsync(HttpMethod.Patch, $"{ConfigMaps}/sel", JsonNode.Parse("""{"metadata":{"labels":{"app":"y"}}}"""), "application/merge-patch+json");
        Assert.Equal(("DELETED", "sel"), await watch.NextAsync());
    }

    [Fact]
    public async Task KubernetesClient_watch_of_custom_objects_receives_typed_events()
    {
        await CreateWidgetCrdAsync();
        var created = await CreateWidgetAsync("w0", new JsonObject { ["size"] = 1 });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var events = new List<(WatchEventType, string)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, obj) in Client.CustomObjects.WatchListNamespacedCustomObjectAsync(
                               "test.vectordr.io", "v1alpha1", "default", "widgets", resourceVersion: Rv(created), cancellationToken: cts.Token))
            {
                events.Add((type, ((JsonElement)obj).GetProperty("metadata").GetProperty("name").GetString()!));
                if (events.Count == 2)
                {
                    return;
                }
            }
        }, cts.Token);

        await CreateWidgetAsync("w1", new JsonObject { ["size"] = 1 });
        await SendAsync(HttpMethod.Delete, $"{Widgets}/w1");
        await watching;
        Assert.Equal([(WatchEventType.Added, "w1"), (WatchEventType.Deleted, "w1")], events);
    }

    private async Task<JsonObject> CreateConfigMapAsync(string name)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, ConfigMaps, new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } });
        Assert.Equal(201, status);
        return body;
    }
}

/// <summary>A raw watch stream read line by line, each read bounded by a timeout.</summary>
internal sealed class WatchStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private WatchStream(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public static async Task<WatchStream> OpenAsync(HttpClient http, string path)
    {
        var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)response.StatusCode);
        return new WatchStream(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    public async Task<string?> ReadLineAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await _reader.ReadLineAsync(timeout.Token);
    }

    public async Task<(string Type, JsonObject Object)> NextObjectAsync()
    {
        var line = await ReadLineAsync() ?? throw new InvalidOperationException("watch ended");
        var node = JsonNode.Parse(line)!;
        return (node["type"]!.GetValue<string>(), node["object"]!.AsObject());
    }

    /// <summary>The next non-bookmark event's type and object name.</summary>
    public async Task<(string Type, string Name)> NextAsync()
    {
        while (true)
        {
            var (type, obj) = await NextObjectAsync();
            if (type != "BOOKMARK")
            {
                return (type, obj["metadata"]!["name"]!.GetValue<string>());
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
