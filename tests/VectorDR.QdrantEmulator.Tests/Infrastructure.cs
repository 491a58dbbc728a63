using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using VectorDR.QdrantEmulator;
using VectorDR.Testing;

namespace VectorDR.QdrantEmulator.Tests;

/// <summary>A response as the tests look at it.</summary>
public sealed record ApiResponse(HttpStatusCode Status, string Body, HttpResponseMessage Message)
{
    public int Code => (int)Status;

    public JsonNode Json => JsonNode.Parse(Body) ?? throw new InvalidOperationException("null body");

    public JsonNode? Result => Json["result"];

    public string? Error => Json["status"]?["error"]?.GetValue<string>();
}

/// <summary>
/// Plain-HttpClient access to the emulator that checks every JSON response against Qdrant's OpenAPI document
/// (success and error bodies alike), so every behaviour test is also a contract test of the endpoint it hits.
/// </summary>
public sealed class QdrantHttp(Uri baseAddress, string? apiKey = null) : IDisposable
{
    private readonly HttpClient _client = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };

    public HttpClient Client => _client;

    public Task<ApiResponse> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<ApiResponse> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    public Task<ApiResponse> PostAsync(string path, object? json = null) => SendAsync(HttpMethod.Post, path, json);

    public Task<ApiResponse> PutAsync(string path, object? json = null) => SendAsync(HttpMethod.Put, path, json);

    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, object? json = null, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (apiKey is not null)
        {
            request.Headers.Add("api-key", apiKey);
        }

        if (json is not null)
        {
            var text = json as string ?? (json as JsonNode ?? System.Text.Json.JsonSerializer.SerializeToNode(json))!.ToJsonString();
            request.Content = new StringContent(text, Encoding.UTF8, "application/json");
        }

        configure?.Invoke(request);
        var requestErrors = RequestContractErrors(method.Method, path, request.Content is null ? null : await request.Content.ReadAsStringAsync());
        var response = await SendAsync(request);
        // The spec and the emulator must agree at least in one direction: a body the spec rejects must be rejected.
        Assert.True(requestErrors.Count == 0 || response.Code >= 400,
            $"{method} {path} accepted a request body the OpenAPI contract rejects:\n{string.Join("\n", requestErrors)}");
        return response;
    }

    private static IReadOnlyList<string> RequestContractErrors(string method, string path, string? body)
    {
        if (body is null || path.StartsWith("/__emulator", StringComparison.Ordinal) ||
            OpenApiContract.Qdrant.FindPathTemplate(method, path.Split('?')[0]) is not { } template)
        {
            return [];
        }

        var errors = OpenApiContract.Qdrant.ValidateRequest(method, template, body);
        return errors.Count == 1 && errors[0].Contains("declares no application/json request body", StringComparison.Ordinal) ? [] : errors;
    }

    public async Task<ApiResponse> SendAsync(HttpRequestMessage request)
    {
        var response = await _client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        CheckContract(request.Method.Method, request.RequestUri!.OriginalString, (int)response.StatusCode, response, body);
        return new ApiResponse(response.StatusCode, body, response);
    }

    /// <summary>Uploads a snapshot file as multipart part <c>snapshot</c>, streamed from disk.</summary>
    public async Task<ApiResponse> UploadAsync(string path, string file, string? fileName = null, string? key = null)
    {
        using var content = new MultipartFormDataContent();
        var stream = File.OpenRead(file);
        var part = new StreamContent(stream);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Add(part, "snapshot", fileName ?? Path.GetFileName(file));
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if ((key ?? apiKey) is { } k)
        {
            request.Headers.Add("api-key", k);
        }

        return await SendAsync(request);
    }

    public async Task<string> DownloadToFileAsync(string path, string target)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (apiKey is not null)
        {
            request.Headers.Add("api-key", apiKey);
        }

        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var file = File.Create(target);
        await response.Content.CopyToAsync(file);
        return target;
    }

    private static void CheckContract(string method, string uri, int status, HttpResponseMessage response, string body)
    {
        var path = uri.Split('?')[0];
        if (path.StartsWith("/__emulator", StringComparison.Ordinal) || response.Content.Headers.ContentType?.MediaType != "application/json")
        {
            return;
        }

        var template = OpenApiContract.Qdrant.FindPathTemplate(method, path);
        if (template is null)
        {
            return; // legacy endpoints the 1.19 spec dropped (e.g. points/search)
        }

        var errors = OpenApiContract.Qdrant.ValidateResponse(method, template, status, body);
        Assert.True(errors.Count == 0, $"{method} {template} -> {status} violates the OpenAPI contract:\n{string.Join("\n", errors)}\nbody: {Truncate(body)}");
    }

    private static string Truncate(string body) => body.Length > 2000 ? body[..2000] + "..." : body;

    public void Dispose() => _client.Dispose();
}

/// <summary>One emulator per test class (no auth); tests use their own collection names.</summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    public QdrantEmulatorHost Host { get; private set; } = null!;

    public QdrantHttp Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await QdrantEmulatorHost.StartAsync(new QdrantEmulatorOptions { SegmentPoints = 100 });
        Http = new QdrantHttp(Host.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
    }
}

public static class Names
{
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];
}

/// <summary>Reads tar entries of a snapshot file into memory (small test snapshots only).</summary>
public static class TarContents
{
    public static Dictionary<string, byte[]> Read(string path)
    {
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var file = File.OpenRead(path);
        using var reader = new System.Formats.Tar.TarReader(file);
        while (reader.GetNextEntry() is { } entry)
        {
            using var buffer = new MemoryStream();
            entry.DataStream?.CopyTo(buffer);
            entries[entry.Name] = buffer.ToArray();
        }

        return entries;
    }
}
