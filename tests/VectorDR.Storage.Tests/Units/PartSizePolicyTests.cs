using VectorDR.Storage.S3;

namespace VectorDR.Storage.Tests.Units;

public sealed class PartSizePolicyTests
{
    private const long MiB = 1L << 20;
    private const long TiB = 1L << 40;

    [Fact]
    public void Parts_start_at_the_configured_size_and_double_every_thousand_parts()
    {
        var policy = new PartSizePolicy(16 * MiB, expectedSize: null);

        Assert.Equal(16 * MiB, policy.SizeOf(1));
        Assert.Equal(16 * MiB, policy.SizeOf(1000));
        Assert.Equal(32 * MiB, policy.SizeOf(1001));
        Assert.Equal(64 * MiB, policy.SizeOf(2001));
        Assert.Equal(PartSizePolicy.MaxPartSize, policy.SizeOf(PartSizePolicy.MaxParts));
    }

    [Fact]
    public void Ten_thousand_parts_hold_more_than_four_TiB_without_knowing_the_size()
    {
        var policy = new PartSizePolicy(16 * MiB, expectedSize: null);
        var capacity = Enumerable.Range(1, PartSizePolicy.MaxParts).Sum(n => policy.SizeOf(n));
        Assert.True(capacity > 4 * TiB, $"{capacity / TiB} TiB");
    }

    [Theory]
    [InlineData(100L * 1024 * 1024 * 1024)]      // 100 GiB
    [InlineData(1024L * 1024 * 1024 * 1024)]     // 1 TiB
    [InlineData(4L * 1024 * 1024 * 1024 * 1024)] // 4 TiB
    public void A_known_size_fits_in_nine_thousand_parts(long expected)
    {
        var policy = new PartSizePolicy(16 * MiB, expected);
        long covered = 0;
        var parts = 0;
        while (covered < expected) covered += policy.SizeOf(++parts);
        Assert.True(parts <= 9_000, $"{parts} parts");
    }

    [Fact]
    public void The_configured_size_is_clamped_to_S3_limits()
    {
        Assert.Equal(PartSizePolicy.MinPartSize, new PartSizePolicy(1, null).SizeOf(1));
        Assert.Equal(PartSizePolicy.MaxPartSize, new PartSizePolicy(long.MaxValue, null).SizeOf(1));
    }

    [Fact]
    public void Transfer_options_reject_impossible_part_sizes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new S3TransferOptions { PartSize = 4 * MiB }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new S3TransferOptions { PartSize = 2048 * MiB }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new S3TransferOptions { UploadPartsInFlight = 0 }.Validate());
        new S3TransferOptions().Validate();
    }
}
