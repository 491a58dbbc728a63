using System.Collections.Concurrent;

namespace VectorDR.Testing;

/// <summary>
/// An <see cref="HttpClient"/> handler that checks every exchange against an <see cref="OpenApiContract"/>: JSON
/// request bodies against the operation's <c>requestBody</c> schema and JSON response bodies against the declared
/// response schema. Violations are collected, not thrown, so the code under test runs normally; assert at the end
/// with <see cref="AssertNoViolations"/>.
/// </summary>
/// <example>
/// <code>
/// var contract = new OpenApiContractHandler(OpenApiContract.Qdrant) { InnerHandler = new HttpClientHandler() };
/// var http = new HttpClient(contract) { BaseAddress = emulator.BaseAddress };
/// await new QdrantClient(http).CreateSnapshotAsync("docs");
/// contract.AssertNoViolations();
/// </code>
/// </example>
/// <remarks>
/// Only <c>application/json</c> bodies are read (responses are buffered for that); binary downloads and
/// multipart uploads pass through untouched. Requests to paths the document does not contain are violations
/// unless <see cref="IgnorePathPrefixes"/> lists them (e.g. an emulator's <c>/__emulator</c> control API).
/// Non-JSON error bodies (Qdrant's plain-text 401) are not checked.
/// </remarks>
public sealed class OpenApiContractHandler(OpenApiContract contract) : DelegatingHandler
{
    private readonly ConcurrentQueue<string> _violations = new();

    /// <summary>Path prefixes that are not part of the contract and are passed through unchecked.</summary>
    public IReadOnlyList<string> IgnorePathPrefixes { get; init; } = ["/__emulator"];

    /// <summary>Whether response bodies are checked too (default true).</summary>
    public bool CheckResponses { get; init; } = true;

    public IReadOnlyCollection<string> Violations => _violations;

    /// <summary>Throws <see cref="OpenApiContractException"/> listing all violations seen so far, if any.</summary>
    public void AssertNoViolations()
    {
        if (!_violations.IsEmpty)
        {
            throw new OpenApiContractException(_violations.ToList());
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var method = request.Method.Method;
        var path = request.RequestUri is null ? "/" : request.RequestUri.IsAbsoluteUri ? request.RequestUri.AbsolutePath : request.RequestUri.OriginalString.Split('?')[0];
        if (IgnorePathPrefixes.Any(p => path.StartsWith(p, StringComparison.Ordinal)))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        var template = contract.FindPathTemplate(method, path);
        if (template is null)
        {
            _violations.Enqueue($"{method} {path}: no such operation in the document");
        }
        else if (IsJson(request.Content?.Headers.ContentType?.MediaType))
        {
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            Record($"{method} {template} request", contract.ValidateRequest(method, template, body));
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (CheckResponses && template is not null && IsJson(response.Content.Headers.ContentType?.MediaType))
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            Record($"{method} {template} -> {(int)response.StatusCode}", contract.ValidateResponse(method, template, (int)response.StatusCode, body));
        }

        return response;
    }

    private void Record(string what, IReadOnlyList<string> errors)
    {
        foreach (var error in errors)
        {
            _violations.Enqueue($"{what}: {error}");
        }
    }

    private static bool IsJson(string? mediaType) =>
        mediaType is not null && (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) ||
                                  mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
}

/// <summary>Contract violations collected by <see cref="OpenApiContractHandler"/>.</summary>
public sealed class OpenApiContractException(IReadOnlyList<string> violations)
    : Exception($"{violations.Count} OpenAPI contract violation(s):{Environment.NewLine}{string.Join(Environment.NewLine, violations)}")
{
    public IReadOnlyList<string> Violations { get; } = violations;
}
