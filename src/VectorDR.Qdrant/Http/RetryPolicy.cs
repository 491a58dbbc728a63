namespace VectorDR.Qdrant.Http;

/// <summary>How freely a request may be sent again after a failure.</summary>
internal enum RetryPolicy
{
    /// <summary>
    /// Sending it twice has the same effect as sending it once (reads, upsert with explicit ids, deletes, alias
    /// create/delete): retried on connection failures (before or after sending), 408, 429 and 5xx except 501/505/507.
    /// </summary>
    Idempotent,

    /// <summary>
    /// A second copy could do the work twice or race the first one (snapshot create/recover/upload, collection create):
    /// retried only when the connection could not be established at all, i.e. Qdrant provably never saw the request.
    /// </summary>
    OnlyIfNotSent,
}
