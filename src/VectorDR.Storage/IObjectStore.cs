namespace VectorDR.Storage;

/// <summary>
/// A flat key space of immutable objects: a directory tree on a mounted volume, or an S3 bucket prefix.
/// Keys use '/' separators and are relative to the location's root. Objects are written once and never rewritten;
/// a write either produces the complete object or nothing (a partial upload is never visible under its key).
/// Implementations stream: memory stays bounded whatever the object size.
/// </summary>
public interface IObjectStore : IAsyncDisposable
{
    /// <summary>The location as a person would type it, without credentials (safe for logs, status and manifests).</summary>
    string DisplayLocation { get; }

    /// <summary>
    /// Reads <paramref name="content"/> to its end and stores it under <paramref name="key"/>. The object appears
    /// only once all bytes are durable; on any failure (including one thrown by <paramref name="content"/>) no new
    /// data is visible under the key (an object that was already there stays as it was) and temporary data is
    /// removed. Returns the number of bytes stored.
    /// </summary>
    Task<long> PutAsync(string key, Stream content, PutOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Opens an object for a forward-only read. Throws <see cref="ObjectNotFoundException"/>.</summary>
    Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Size and time of an object, or null when it does not exist.</summary>
    Task<ObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Every object whose key starts with <paramref name="prefix"/>, in no guaranteed order.</summary>
    IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Deletes an object; deleting a missing object is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// A URL from which a third party (Qdrant's recover endpoint) can GET the object without credentials for
    /// <paramref name="validFor"/>, or null when the store cannot offer one (the filesystem store).
    /// </summary>
    Task<Uri?> TryGetReadUrlAsync(string key, TimeSpan validFor, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether fetching this store's read URLs needs more than a standard trust store: its https endpoint has a
    /// certificate from a private CA (AWS_CA_BUNDLE), which a third party such as Qdrant does not know.
    /// </summary>
    bool ReadUrlsNeedPrivateTrust => false;
}

/// <summary>Per-write settings; backends ignore what they do not support and say so where it matters.</summary>
public sealed record PutOptions
{
    /// <summary>Object Lock retention for the written object (S3 only); null = no lock.</summary>
    public ObjectLockSettings? Lock { get; init; }

    /// <summary>Expected total size when known in advance: lets a backend choose its part size.</summary>
    public long? ExpectedSize { get; init; }
}

public enum ObjectLockMode
{
    Governance,
    Compliance,
}

public sealed record ObjectLockSettings(ObjectLockMode Mode, DateTimeOffset RetainUntil);

public sealed record ObjectInfo(string Key, long Size, DateTimeOffset LastModified)
{
    /// <summary>
    /// Object Lock retention date (S3) when <see cref="IObjectStore.GetInfoAsync"/> reports it; null when the object is
    /// not locked or the store has no locks. Listings leave it null (S3 does not list retention).
    /// </summary>
    public DateTimeOffset? RetainUntil { get; init; }
}
