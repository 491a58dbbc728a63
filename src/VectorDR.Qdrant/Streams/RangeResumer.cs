using System.Net;
using System.Net.Http.Headers;
using VectorDR.Qdrant.Http;

namespace VectorDR.Qdrant.Streams;

/// <summary>
/// Re-requests a download from a byte offset with <c>Range: bytes=&lt;offset&gt;-</c>, and makes sure what comes back is
/// the continuation of the same file: a 206 must start exactly at the offset; a 200 (server ignoring Range, e.g.
/// S3-backed snapshot storage) must be the same entity and is fast-forwarded to the offset.
/// </summary>
internal sealed class RangeResumer(
    QdrantTransport transport, QdrantRequest original, long? expectedLength, EntityTagHeaderValue? etag, DateTimeOffset? lastModified)
{
    private const int SkipBufferSize = 81920;

    public async Task<(HttpResponseMessage Response, Stream Body)> ReopenAsync(long offset, CancellationToken cancellationToken)
    {
        var request = original with { ConfigureHeaders = headers => AddRangeHeaders(headers, offset) };
        var response = await transport.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        try
        {
            var body = response.StatusCode switch
            {
                HttpStatusCode.PartialContent => await ContinuationAsync(response, offset, cancellationToken).ConfigureAwait(false),
                HttpStatusCode.OK => await FastForwardAsync(response, offset, cancellationToken).ConfigureAwait(false),
                _ => throw new ResumeRejectedException($"{original.Operation}: resuming at byte {offset} got an unexpected {(int)response.StatusCode}"),
            };
            return (response, body);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private void AddRangeHeaders(HttpRequestHeaders headers, long offset)
    {
        headers.Range = new RangeHeaderValue(offset, null);
        // If-Range makes the server send the whole (new) file instead of a slice of a different one if the snapshot
        // was replaced meanwhile; FastForwardAsync then notices the change. Weak ETags are not allowed in If-Range.
        if (etag is { IsWeak: false }) headers.IfRange = new RangeConditionHeaderValue(etag);
        else if (lastModified is { } date) headers.IfRange = new RangeConditionHeaderValue(date);
    }

    private async Task<Stream> ContinuationAsync(HttpResponseMessage response, long offset, CancellationToken cancellationToken)
    {
        var range = response.Content.Headers.ContentRange;
        if (range?.From != offset)
            throw new ResumeRejectedException($"{original.Operation}: asked to resume at byte {offset}, the server sent range {range}");
        if (expectedLength is { } length && range.Length is { } total && total != length)
            throw new ResumeRejectedException($"{original.Operation}: the snapshot changed on the server while downloading ({length} bytes, now {total})");
        return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<Stream> FastForwardAsync(HttpResponseMessage response, long offset, CancellationToken cancellationToken)
    {
        if (expectedLength is { } length && response.Content.Headers.ContentLength is { } now && now != length)
            throw new ResumeRejectedException($"{original.Operation}: the snapshot changed on the server while downloading ({length} bytes, now {now})");
        if (etag is not null && response.Headers.ETag is { } newTag && !newTag.Equals(etag))
            throw new ResumeRejectedException($"{original.Operation}: the snapshot changed on the server while downloading (ETag {etag} → {newTag})");

        Log.RangeIgnored(transport.Logger, original.Operation, offset);
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[SkipBufferSize];
        for (var skipped = 0L; skipped < offset;)
        {
            var read = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, offset - skipped)), cancellationToken)
                .ConfigureAwait(false);
            if (read == 0) throw new ResumeRejectedException($"{original.Operation}: the resent file ended at byte {skipped}, before the resume offset {offset}");
            skipped += read;
        }
        return body;
    }
}

/// <summary>The server's answer to a Range request is not the continuation of the file being downloaded.</summary>
internal sealed class ResumeRejectedException(string message) : IOException(message);
