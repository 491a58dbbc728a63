using System.Text;
using VectorDR.QdrantEmulator;
namespace VectorDR.Qdrant.Tests.Emulator;
public sealed class ZzProbe
{
    [Fact]
    public async Task Probe()
    {
        await using var e = await QdrantEmulatorHost.StartAsync(new QdrantEmulatorOptions { ApiKey = "k" });
        using var h = new HttpClient { BaseAddress = e.BaseAddress };
        h.DefaultRequestHeaders.Add("api-key", "k");
        var sb = new StringBuilder();
        async Task Do(string method, string path, string? body = null, Action<HttpRequestMessage>? cfg = null, bool showBody = true)
        {
            var m = new HttpRequestMessage(new HttpMethod(method), path);
            if (body != null) m.Content = new StringContent(body, Encoding.UTF8, "application/json");
            cfg?.Invoke(m);
            var r = await h.SendAsync(m);
            var text = await r.Content.ReadAsStringAsync();
            sb.AppendLine($"{method} {path} -> {(int)r.StatusCode} ct={r.Content.Headers.ContentType} len={r.Content.Headers.ContentLength} te={r.Headers.TransferEncodingChunked} etag={r.Headers.ETag} lm={r.Content.Headers.LastModified} cr={r.Content.Headers.ContentRange} cd={r.Content.Headers.ContentDisposition} ra={r.Headers.RetryAfter} accept-ranges={string.Join(",", r.Headers.AcceptRanges)}");
            if (showBody) sb.AppendLine("   " + (text.Length > 400 ? text[..400] : text));
        }
        await e.SeedCollectionAsync("c", 50, 4, shards: 2);
        await Do("POST", "/collections/c/snapshots");
        await Do("GET", "/collections/c/snapshots");
        var list = System.Text.Json.JsonDocument.Parse(await h.GetStringAsync("/collections/c/snapshots"));
        var name = list.RootElement.GetProperty("result")[0].GetProperty("name").GetString()!;
        await Do("GET", $"/collections/c/snapshots/{name}", showBody: false);
        await Do("GET", $"/collections/c/snapshots/{name}", cfg: m => m.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(100, null), showBody: false);
        await Do("GET", $"/collections/c/snapshots/{name}", cfg: m => { m.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(100, null); m.Headers.IfRange = new System.Net.Http.Headers.RangeConditionHeaderValue("\"nomatch\""); }, showBody: false);
        await Do("GET", $"/collections/c/snapshots/{name}", cfg: m => m.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(99999999, null));
        await Do("POST", "/collections/c/snapshots?wait=false");
        await Do("DELETE", $"/collections/c/snapshots/{name}?wait=false");
        await Do("GET", "/collections/c/shards/0/snapshot", showBody: false);
        await Do("POST", "/collections/c/shards/0/snapshots");
        await Do("GET", "/collections/c/shards/5/snapshots");
        await Do("POST", "/collections/c/points/scroll", "{\"limit\":0}");
        await Do("POST", "/collections/c/points/scroll", "{\"limit\":2}");
        await Do("POST", "/collections/c/points/count", "{}");
        await Do("POST", "/collections/c/points/query", "{\"query\":[1,0,0,0],\"using\":\"nope\",\"limit\":2}");
        await Do("POST", "/collections/c/points/query", "{\"query\":[1,0,0,0],\"params\":{\"exact\":true},\"limit\":2,\"with_payload\":false}");
        await Do("PUT", "/collections/c", "{\"vectors\":{\"size\":4,\"distance\":\"Dot\"}}");
        await Do("GET", "/collections/c/");
        await Do("PUT", "/collections/c/snapshots/recover", "{\"location\":\"file:///etc/passwd\"}");
        await Do("PUT", "/collections/c/shards/0/snapshots/recover", "{\"location\":\"file:///etc/passwd\"}");
        await Do("PUT", "/collections/c/snapshots/recover", "{\"location\":\"s3://b/k\"}");
        await Do("PUT", "/collections/c/snapshots/recover", "{\"location\":\"http://127.0.0.1:1/x\",\"checksum\":\"abc\"}");
        await Do("PUT", "/collections/c/points?wait=true", "{\"points\":[{\"id\":1,\"vector\":[1,2,3,4]}]}");
        await Do("PUT", "/collections/c/points", "{\"points\":[{\"id\":2,\"vector\":[1,2,3,4]}]}");
        await Do("POST", "/collections/aliases", "{\"actions\":[{\"create_alias\":{\"collection_name\":\"c\",\"alias_name\":\"c\"}}]}");
        await Do("POST", "/collections/aliases", "{\"actions\":[{\"delete_alias\":{\"alias_name\":\"nope\"}}]}");
        await Do("GET", "/collections/c/cluster");
        await Do("GET", "/cluster");
        await Do("GET", "/");
        await Do("GET", "/healthz");
        await Do("GET", "/collections", cfg: m => m.Headers.Remove("api-key"));
        await Do("GET", "/collections", cfg: m => { m.Headers.Remove("api-key"); m.Headers.Authorization = new("Bearer", "k"); });
        await Do("GET", "/collections/c/snapshots");
        await Do("DELETE", "/collections/nope");
        await Do("GET", "/collections/nope/exists");
        File.WriteAllText("/tmp/qclient-probe.txt", sb.ToString());
    }
}
