using Microsoft.Extensions.Logging;

namespace VectorDR.Storage;

/// <summary>What <see cref="ObjectStores.OpenAsync"/> checks and how the opened store behaves.</summary>
public sealed record ObjectStoreOpenOptions
{
    /// <summary>Also prove the location takes writes (a probe object is written and deleted). Use for backup and copy targets.</summary>
    public bool RequireWritable { get; init; }

    /// <summary>Filesystem only: create the directory when it does not exist (otherwise that is an error).</summary>
    public bool CreateIfMissing { get; init; }

    /// <summary>S3 transfer tuning (part sizes, parallelism, retries); defaults suit most cases.</summary>
    public S3TransferOptions S3 { get; init; } = new();

    /// <summary>Loggers for the store; null = no logging.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Environment lookup for AWS_* settings and credentials; null = the process environment. For tests.</summary>
    public Func<string, string?>? Environment { get; init; }
}

/// <summary>S3 transfer tuning. Memory per upload is about <see cref="PartSize"/> × (<see cref="UploadPartsInFlight"/> + 1).</summary>
public sealed record S3TransferOptions
{
    public const long MiB = 1024 * 1024;

    /// <summary>
    /// Starting multipart part size (5 MiB to 1 GiB). It grows with the object (×2 every 1,000 parts, or from
    /// <see cref="PutOptions.ExpectedSize"/>) so S3's 10,000-part limit is never reached.
    /// </summary>
    public long PartSize { get; init; } = 16 * MiB;

    /// <summary>Parts uploaded concurrently per object.</summary>
    public int UploadPartsInFlight { get; init; } = 4;

    /// <summary>Size of each ranged GET when reading a large object.</summary>
    public long DownloadRangeSize { get; init; } = 16 * MiB;

    /// <summary>Ranged GETs in flight per read stream.</summary>
    public int DownloadRangesInFlight { get; init; } = 4;

    /// <summary>Retries per request (a part, a range) on throttling, 5xx and connection errors, with exponential backoff.</summary>
    public int MaxRetries { get; init; } = 6;

    /// <summary>First backoff delay; doubles per attempt with jitter, capped at 20 s.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Server-side copies of objects larger than this use UploadPartCopy instead of one CopyObject (S3 limit 5 GiB).</summary>
    public long MultipartCopyThreshold { get; init; } = 5L * 1024 * MiB;

    /// <summary>Part size for UploadPartCopy.</summary>
    public long CopyPartSize { get; init; } = 512 * MiB;

    /// <summary>Timeout of one HTTP request (a part, a range); a stalled connection fails and is retried.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);

    internal void Validate()
    {
        if (PartSize < 5 * MiB) throw new ArgumentOutOfRangeException(nameof(PartSize), "S3 parts must be at least 5 MiB");
        if (PartSize > S3.PartSizePolicy.MaxPartSize)
        {
            throw new ArgumentOutOfRangeException(nameof(PartSize), "parts are buffered in memory: at most 1 GiB (S3 allows 5 GiB)");
        }
        if (UploadPartsInFlight < 1) throw new ArgumentOutOfRangeException(nameof(UploadPartsInFlight));
        if (DownloadRangeSize < 64 * 1024) throw new ArgumentOutOfRangeException(nameof(DownloadRangeSize));
        if (DownloadRangesInFlight < 1) throw new ArgumentOutOfRangeException(nameof(DownloadRangesInFlight));
        if (MaxRetries < 0) throw new ArgumentOutOfRangeException(nameof(MaxRetries));
        if (CopyPartSize < 5 * MiB || CopyPartSize > 5L * 1024 * MiB) throw new ArgumentOutOfRangeException(nameof(CopyPartSize));
    }
}
