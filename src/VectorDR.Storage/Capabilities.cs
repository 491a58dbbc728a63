namespace VectorDR.Storage;

/// <summary>
/// A store that can copy an object from another store without the bytes passing through this process
/// (S3 CopyObject / UploadPartCopy). The copy command tries this first and streams when it returns false.
/// </summary>
public interface IServerSideCopyTarget
{
    /// <summary>
    /// Copies <paramref name="sourceKey"/> of <paramref name="source"/> to <paramref name="destinationKey"/> of this store
    /// inside the storage service. Returns false, having done nothing, when the two stores cannot copy server-side
    /// (different kinds, endpoints or credentials); throws when a copy was attempted and failed (nothing is left behind).
    /// </summary>
    Task<bool> TryServerSideCopyAsync(IObjectStore source, string sourceKey, string destinationKey, PutOptions? options = null,
        CancellationToken cancellationToken = default);
}

/// <summary>Temporary data a crashed or killed writer can leave behind (unfinished multipart uploads, temp files).</summary>
public interface IStaleUploadJanitor
{
    /// <summary>Unfinished uploads under <paramref name="prefix"/>, oldest first is not guaranteed.</summary>
    IAsyncEnumerable<PendingUpload> ListPendingUploadsAsync(string prefix = "", CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes unfinished uploads under <paramref name="prefix"/> started more than <paramref name="olderThan"/> ago
    /// (pick a grace period longer than any running backup). Returns how many were removed.
    /// </summary>
    Task<int> AbortStaleUploadsAsync(TimeSpan olderThan, string prefix = "", CancellationToken cancellationToken = default);
}

/// <summary>An unfinished upload: <paramref name="UploadId"/> is the S3 upload id or the temp file name.</summary>
public sealed record PendingUpload(string Key, string UploadId, DateTimeOffset Started);
