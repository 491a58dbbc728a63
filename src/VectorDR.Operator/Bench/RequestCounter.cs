using System.Collections.Concurrent;

namespace VectorDR.Operator.Bench;

/// <summary>
/// Counts the operator's requests by kind (lease, watch open, other) on the operator's own HTTP pipeline: the benchmark's
/// client is a separate one, so its lists and watches never inflate what the operator is charged with.
/// </summary>
public sealed class RequestCounter : DelegatingHandler
{
    private long _lease, _watch, _other;
    private readonly ConcurrentDictionary<string, long> _others = new();

    /// <summary>Requests that are neither lease nor watch, by method and resource (what an idle operator should not send).</summary>
    public IReadOnlyDictionary<string, long> Others() => new SortedDictionary<string, long>(_others);

    public long Total => Interlocked.Read(ref _lease) + Interlocked.Read(ref _watch) + Interlocked.Read(ref _other);

    public (long Total, long Lease, long Watch, long Other) Snapshot()
    {
        var (l, w, o) = (Interlocked.Read(ref _lease), Interlocked.Read(ref _watch), Interlocked.Read(ref _other));
        return (l + w + o, l, w, o);
    }

    public void Reset()
    {
        Interlocked.Exchange(ref _lease, 0);
        Interlocked.Exchange(ref _watch, 0);
        Interlocked.Exchange(ref _other, 0);
        _others.Clear();
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri?.ToString() ?? "";
        if (uri.Contains("/leases/", StringComparison.Ordinal)) Interlocked.Increment(ref _lease);
        else if (uri.Contains("watch=true", StringComparison.Ordinal)) Interlocked.Increment(ref _watch);
        else
        {
            Interlocked.Increment(ref _other);
            var path = request.RequestUri?.AbsolutePath ?? "";
            var segments = path.Trim('/').Split('/');
            // A collection path (create, list) ends in the resource itself, an object's path in its name.
            var resource = path.EndsWith("/status", StringComparison.Ordinal) && segments.Length >= 3 ? segments[^3] + "/status"
                : IsNamed(segments) ? segments[^2] : segments[^1];
            _others.AddOrUpdate($"{request.Method} {resource}", 1, (_, n) => n + 1);
        }
        return base.SendAsync(request, cancellationToken);
    }

    // After the group-version prefix: RESOURCE or namespaces/NS/RESOURCE is a collection, one segment more an object.
    private static bool IsNamed(string[] segments)
    {
        if (segments.Length < 2) return false;
        var start = segments[0] == "api" ? 2 : 3; // api/v1 or apis/GROUP/VERSION
        var rest = segments.Length - start;
        if (rest > 0 && segments[start] == "namespaces" && rest >= 3) rest -= 2;
        return rest >= 2;
    }
}
