using System.Security.Cryptography;
using VectorDR.Storage.S3;
using VectorDR.Storage.Tests.Support;

namespace VectorDR.Storage.Tests.Units;

public sealed class RangedReadStreamTests
{
    [Theory]
    [InlineData(1, 100, 2)]
    [InlineData(1000, 100, 3)]
    [InlineData(1001, 100, 4)]
    [InlineData(99, 100, 4)]
    [InlineData(100_000, 4096, 4)]
    public async Task Ranges_come_back_in_order_whatever_order_they_finish_in(int size, int rangeSize, int inFlight)
    {
        var data = GeneratedStream.Bytes(size, seed: size);
        var fetcher = new FakeFetcher(data, randomDelays: true);
        await using var stream = new RangedReadStream(fetcher.FetchAsync, size, rangeSize, inFlight);

        var (length, hash) = await StreamAssert.HashAsync(stream);

        Assert.Equal(size, length);
        Assert.Equal(SHA256.HashData(data), hash);
        Assert.True(fetcher.MaxConcurrent <= inFlight, $"max concurrent fetches {fetcher.MaxConcurrent} > {inFlight}");
        Assert.Equal((size + rangeSize - 1) / rangeSize, fetcher.Calls);
    }

    [Fact]
    public async Task Reads_ahead_exactly_in_flight_ranges_beyond_the_one_being_read()
    {
        var data = GeneratedStream.Bytes(10_000);
        var fetcher = new FakeFetcher(data, randomDelays: false);
        await using var stream = new RangedReadStream(fetcher.FetchAsync, data.Length, 100, 3);

        var buffer = new byte[10];
        await stream.ReadExactlyAsync(buffer);
        await Task.Delay(50);

        Assert.Equal(4, fetcher.Calls); // the range being read + 3 ahead; the fifth waits until the reader moves on
    }

    [Fact]
    public async Task A_failed_range_fails_the_read_and_every_read_after_it()
    {
        var data = GeneratedStream.Bytes(1000);
        var fetcher = new FakeFetcher(data, randomDelays: false) { FailAtOffset = 300 };
        await using var stream = new RangedReadStream(fetcher.FetchAsync, data.Length, 100, 2);

        var ex = await Assert.ThrowsAsync<IOException>(() => StreamAssert.ReadAllAsync(stream));
        Assert.Contains("offset 300", ex.Message);
        await Assert.ThrowsAsync<IOException>(async () => await stream.ReadExactlyAsync(new byte[10]));
    }

    [Fact]
    public async Task Synchronous_reads_work_too()
    {
        var data = GeneratedStream.Bytes(5000, seed: 3);
        await using var stream = new RangedReadStream(new FakeFetcher(data, randomDelays: true).FetchAsync, data.Length, 512, 2);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        Assert.Equal(data, copy.ToArray());
    }

    private sealed class FakeFetcher(byte[] data, bool randomDelays)
    {
        private int _concurrent;
        private int _maxConcurrent;
        private int _calls;

        public long? FailAtOffset { get; init; }
        public int MaxConcurrent => Volatile.Read(ref _maxConcurrent);
        public int Calls => Volatile.Read(ref _calls);

        public async Task FetchAsync(long offset, int length, byte[] buffer, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            var now = Interlocked.Increment(ref _concurrent);
            int seen;
            while ((seen = Volatile.Read(ref _maxConcurrent)) < now && Interlocked.CompareExchange(ref _maxConcurrent, now, seen) != seen)
            {
            }

            try
            {
                await Task.Delay(randomDelays ? Random.Shared.Next(0, 5) : 0, cancellationToken);
                if (offset == FailAtOffset) throw new IOException($"fetch failed at offset {offset}");
                data.AsSpan((int)offset, length).CopyTo(buffer);
            }
            finally
            {
                Interlocked.Decrement(ref _concurrent);
            }
        }
    }
}
