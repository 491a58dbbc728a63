using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace VectorDR.Qdrant.Tests.Support;

/// <summary>What the client sent, captured before the fake answers.</summary>
public sealed record RecordedRequest(HttpMethod Method, Uri Uri, HttpRequestHeaders Headers, HttpContentHeaders? ContentHeaders, byte[]? Body)
{
    public string BodyText => Body is null ? "" : Encoding.UTF8.GetString(Body);

    public string PathAndQuery => Uri.PathAndQuery;

    public string? Header(string name) => Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
}

/// <summary>
/// An <see cref="HttpMessageHandler"/> that answers from a script. The script gets the request and the 1-based call
/// number; it may throw to simulate connection failures.
/// </summary>
public sealed class FakeQdrantHandler : HttpMessageHandler
{
    private readonly ConcurrentQueue<RecordedRequest> requests = new();
    private readonly Func<HttpRequestMessage, int, Task<HttpResponseMessage>> script;
    private int calls;

    public FakeQdrantHandler(Func<HttpRequestMessage, int, HttpResponseMessage> script)
        : this(async: (request, call) => Task.FromResult(script(request, call))) { }

    private FakeQdrantHandler(Func<HttpRequestMessage, int, Task<HttpResponseMessage>> async) => script = async;

    public static FakeQdrantHandler Async(Func<HttpRequestMessage, int, Task<HttpResponseMessage>> script) => new(async: script);

    /// <summary>False for tests that read the request body themselves (streaming uploads).</summary>
    public bool CaptureBodies { get; set; } = true;

    public IReadOnlyList<RecordedRequest> Requests => [.. requests];

    public int Calls => Volatile.Read(ref calls);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref calls);
        var body = CaptureBodies && request.Content is not null ? await request.Content.ReadAsByteArrayAsync(cancellationToken) : null;
        requests.Enqueue(new RecordedRequest(request.Method, request.RequestUri!, request.Headers, request.Content?.Headers, body));
        var response = await script(request, call);
        response.RequestMessage ??= request;
        return response;
    }

    // ---- Canned answers

    public static HttpResponseMessage Json(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    /// <summary><c>{"result": …, "status":"ok", "time":…}</c>, plus a <c>usage</c> key a client must ignore.</summary>
    public static HttpResponseMessage Ok(string resultJson) =>
        Json(HttpStatusCode.OK, """{"result":""" + resultJson + ""","status":"ok","time":0.0012,"usage":{"hardware":{"cpu":1}}}""");

    public static HttpResponseMessage Error(HttpStatusCode status, string message) =>
        Json(status, """{"status":{"error":""" + System.Text.Json.JsonSerializer.Serialize(message) + """},"time":0.0001}""");

    public static HttpResponseMessage Text(HttpStatusCode status, string text) =>
        new(status) { Content = new StringContent(text, Encoding.UTF8, "text/plain") };

    public static HttpRequestException ConnectionRefused() =>
        new(HttpRequestError.ConnectionError, "Connection refused (qdrant:6333)", new SocketException((int)SocketError.ConnectionRefused));

    public static HttpRequestException ConnectionReset() =>
        new(HttpRequestError.ResponseEnded, "The response ended prematurely.", new IOException("Connection reset by peer"));
}
