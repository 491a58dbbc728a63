namespace VectorDR.Storage.S3;

/// <summary>
/// Chooses the size of each multipart part so that S3's 10,000-part limit is never reached, whether or not the
/// total size is known in advance. Known size: parts big enough for the whole object in 9,000 parts (headroom in
/// case the stream is longer than announced). Always: the size doubles every 1,000 parts (16 MiB → 16 GiB of
/// object in the first 1,000 parts, ~4.9 TiB by part 10,000), capped at <see cref="MaxPartSize"/>.
/// </summary>
internal sealed class PartSizePolicy
{
    public const int MaxParts = 10_000;

    /// <summary>A part is buffered in one managed array (≤ 2 GB), so the cap is 1 GiB rather than S3's 5 GiB.</summary>
    public const long MaxPartSize = 1L << 30;

    public const long MinPartSize = 5L << 20;

    private const int PartsPerTier = 1_000;
    private const int PlannedParts = 9_000;

    private readonly long _basePartSize;

    public PartSizePolicy(long configuredPartSize, long? expectedSize)
    {
        var size = Math.Clamp(configuredPartSize, MinPartSize, MaxPartSize);
        if (expectedSize is > 0 and var expected)
        {
            var needed = (expected + PlannedParts - 1) / PlannedParts;
            needed = (needed + (1 << 20) - 1) & ~((1L << 20) - 1); // whole MiB
            size = Math.Clamp(Math.Max(size, needed), MinPartSize, MaxPartSize);
        }

        _basePartSize = size;
    }

    /// <summary>Size of part <paramref name="partNumber"/> (1-based).</summary>
    public long SizeOf(int partNumber)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partNumber, 1);
        var tier = Math.Min(30, (partNumber - 1) / PartsPerTier);
        return Math.Min(MaxPartSize, _basePartSize << tier);
    }
}
