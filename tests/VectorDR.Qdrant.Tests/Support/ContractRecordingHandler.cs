using System.Collections.Concurrent;
using VectorDR.Testing;

namespace VectorDR.Qdrant.Tests.Support;

/// <summary>
/// Sits between the client and a real server and checks every JSON response against Qdrant's OpenAPI document, so the
/// end-to-end tests also hold the emulator to the spec the client is written against.
/// </summary>
public sealed class ContractRecordingHandler() : DelegatingHandler(new SocketsHttpHandler { AllowAutoRedirect = false })
{
    private readonly ConcurrentQueue<string> violations = new();
    private int checkedResponses;

    /// <summary>How many JSON responses were validated (guards against checking nothing).</summary>
    public int CheckedResponses => Volatile.Read(ref checkedResponses);

    public IReadOnlyList<string> Violations => [.. violations];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var method = request.Method.Method.ToLowerInvariant();
        var path = request.RequestUri!.AbsolutePath;
        if (response.Content.Headers.ContentType?.MediaType != "application/json" || path == "/") return response;

        // Buffer the (small) JSON body so the client can still read it after us.
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var json = await response.Content.ReadAsStringAsync(cancellationToken);
        var template = OpenApiContract.Qdrant.FindPathTemplate(method, path);
        if (template is null)
        {
            violations.Enqueue($"{method.ToUpperInvariant()} {path}: not in the spec");
            return response;
        }

        Interlocked.Increment(ref checkedResponses);
        foreach (var error in OpenApiContract.Qdrant.ValidateResponse(method, template, (int)response.StatusCode, json))
            violations.Enqueue($"{method.ToUpperInvariant()} {template} {(int)response.StatusCode}: {error} in {Truncate(json)}");
        return response;
    }

    private static string Truncate(string json) => json.Length <= 300 ? json : json[..300] + "…";
}
