using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using VectorDR.ControllerRuntime.Entities;

namespace VectorDR.ControllerRuntime.Client;

public enum WatchEventKind { Added, Modified, Deleted, Bookmark, Error }

public readonly record struct WatchEvent<T>(WatchEventKind Kind, T? Object, string? ResourceVersion, V1Status? Error);

public sealed record ListResult<T>(IReadOnlyList<T> Items, string ResourceVersion);

/// <summary>
/// Typed REST access to any kind through KubernetesClient's authenticated HttpClient. KubernetesClient's generated
/// methods are per kind and its GenericClient cannot watch from a resourceVersion, so the runtime speaks the
/// (small, stable) REST protocol itself: list, watch with bookmarks, get, create, replace, /status, merge patch, delete.
/// </summary>
public sealed class KubeApiClient(IKubernetes kubernetes)
{
    private readonly Kubernetes _k8s = kubernetes as Kubernetes
        ?? throw new ArgumentException("The runtime needs the concrete k8s.Kubernetes client.", nameof(kubernetes));

    public IKubernetes Kubernetes => _k8s;

    public async Task<T?> GetAsync<T>(string? @namespace, string name, CancellationToken ct) where T : class
    {
        var path = EntityMetadata.For<T>().ObjectPath(@namespace, name);
        using var response = await SendAsync(HttpMethod.Get, path, null, null, ct, HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureSuccessAsync(response, HttpMethod.Get, path, ct).ConfigureAwait(false);
        return await ReadAsync<T>(response, ct).ConfigureAwait(false);
    }

    public async Task<ListResult<T>> ListAsync<T>(string? @namespace, string? labelSelector, CancellationToken ct)
    {
        var query = labelSelector is null ? "" : $"?labelSelector={Uri.EscapeDataString(labelSelector)}";
        var path = EntityMetadata.For<T>().CollectionPath(@namespace) + query;
        using var response = await SendAsync(HttpMethod.Get, path, null, null, ct, HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
        await EnsureSuccessAsync(response, HttpMethod.Get, path, ct).ConfigureAwait(false);
        var list = await ReadAsync<ObjectList<T>>(response, ct).ConfigureAwait(false);
        return new ListResult<T>(list.Items ?? [], list.Metadata?.ResourceVersion ?? "");
    }

    /// <summary>
    /// Watches from <paramref name="resourceVersion"/> with bookmarks. Ends when the server closes the stream;
    /// an ERROR event (e.g. 410 Gone after compaction) is yielded, not thrown, so the informer can decide to re-list.
    /// </summary>
    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string? @namespace, string resourceVersion, int timeoutSeconds,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var path = EntityMetadata.For<T>().CollectionPath(@namespace)
            + $"?watch=true&allowWatchBookmarks=true&resourceVersion={Uri.EscapeDataString(resourceVersion)}&timeoutSeconds={timeoutSeconds}";
        using var response = await SendAsync(HttpMethod.Get, path, null, null, ct, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        await EnsureSuccessAsync(response, HttpMethod.Get, path, ct).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0) continue;
            using var doc = JsonDocument.Parse(line);
            var type = doc.RootElement.GetProperty("type").GetString();
            var obj = doc.RootElement.GetProperty("object");
            switch (type)
            {
                case "ERROR":
                    yield return new WatchEvent<T>(WatchEventKind.Error, default, null, KubernetesJson.Deserialize<V1Status>(obj));
                    break;
                case "BOOKMARK":
                    var rv = obj.TryGetProperty("metadata", out var m) && m.TryGetProperty("resourceVersion", out var r) ? r.GetString() : null;
                    yield return new WatchEvent<T>(WatchEventKind.Bookmark, default, rv, null);
                    break;
                default:
                    var item = KubernetesJson.Deserialize<T>(obj);
                    var kind = type switch { "ADDED" => WatchEventKind.Added, "DELETED" => WatchEventKind.Deleted, _ => WatchEventKind.Modified };
                    yield return new WatchEvent<T>(kind, item, (item as IMetadata<V1ObjectMeta>)?.Metadata?.ResourceVersion, null);
                    break;
            }
        }
    }

    public Task<T> CreateAsync<T>(T obj, CancellationToken ct) where T : IKubernetesObject<V1ObjectMeta> =>
        WriteAsync(HttpMethod.Post, EntityMetadata.For<T>().CollectionPath(obj.Metadata.NamespaceProperty), obj, ct);

    public Task<T> ReplaceAsync<T>(T obj, CancellationToken ct) where T : IKubernetesObject<V1ObjectMeta> =>
        WriteAsync(HttpMethod.Put, EntityMetadata.For<T>().ObjectPath(obj.Metadata.NamespaceProperty, obj.Metadata.Name), obj, ct);

    public Task<T> ReplaceStatusAsync<T>(T obj, CancellationToken ct) where T : IKubernetesObject<V1ObjectMeta> =>
        WriteAsync(HttpMethod.Put, EntityMetadata.For<T>().ObjectPath(obj.Metadata.NamespaceProperty, obj.Metadata.Name) + "/status", obj, ct);

    /// <summary>JSON merge patch (RFC 7386).</summary>
    public async Task<T> MergePatchAsync<T>(string? @namespace, string name, object patch, CancellationToken ct)
    {
        var path = EntityMetadata.For<T>().ObjectPath(@namespace, name);
        var content = new StringContent(KubernetesJson.Serialize(patch), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/merge-patch+json");
        using var response = await SendAsync(HttpMethod.Patch, path, content, null, ct, HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
        await EnsureSuccessAsync(response, HttpMethod.Patch, path, ct).ConfigureAwait(false);
        return await ReadAsync<T>(response, ct).ConfigureAwait(false);
    }

    public async Task DeleteAsync<T>(string? @namespace, string name, CancellationToken ct)
    {
        var path = EntityMetadata.For<T>().ObjectPath(@namespace, name);
        using var response = await SendAsync(HttpMethod.Delete, path, null, null, ct, HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return;
        await EnsureSuccessAsync(response, HttpMethod.Delete, path, ct).ConfigureAwait(false);
    }

    private async Task<T> WriteAsync<T>(HttpMethod method, string path, T obj, CancellationToken ct)
    {
        var content = new StringContent(KubernetesJson.Serialize(obj!), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await SendAsync(method, path, content, null, ct, HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
        await EnsureSuccessAsync(response, method, path, ct).ConfigureAwait(false);
        return await ReadAsync<T>(response, ct).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, HttpContent? content,
        IReadOnlyDictionary<string, string>? headers, CancellationToken ct, HttpCompletionOption completion)
    {
        var request = new HttpRequestMessage(method, new Uri(BaseUri, pathAndQuery.TrimStart('/'))) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (headers is not null) foreach (var (k, v) in headers) request.Headers.TryAddWithoutValidation(k, v);
        // Same authentication KubernetesClient applies to its own requests (bearer token, exec plugins, token files).
        if (_k8s.Credentials is not null) await _k8s.Credentials.ProcessHttpRequestAsync(request, ct).ConfigureAwait(false);
        try
        {
            return await _k8s.HttpClient.SendAsync(request, completion, ct).ConfigureAwait(false);
        }
        finally
        {
            // The response owns the stream for watches; the request can go.
            if (completion == HttpCompletionOption.ResponseContentRead) request.Dispose();
        }
    }

    private Uri BaseUri
    {
        get
        {
            var b = _k8s.BaseUri.ToString();
            return new Uri(b.EndsWith('/') ? b : b + "/");
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, HttpMethod method, string path, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        V1Status? status = null;
        try
        {
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (body.StartsWith('{')) status = KubernetesJson.Deserialize<V1Status>(body);
        }
        catch (JsonException)
        {
            // Not a metav1.Status; the status code says enough.
        }
        throw new KubeApiException(response.StatusCode, status, method.Method, path.Split('?')[0]);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        return KubernetesJson.Deserialize<T>(stream) ?? throw new InvalidOperationException("Empty response body.");
    }

    private sealed class ObjectList<T>
    {
        [JsonPropertyName("metadata")]
        public V1ListMeta? Metadata { get; set; }

        [JsonPropertyName("items")]
        public List<T>? Items { get; set; }
    }
}
