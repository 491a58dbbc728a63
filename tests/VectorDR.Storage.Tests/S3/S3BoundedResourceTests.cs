using VectorDR.Storage.Tests.Support;
using Xunit.Abstractions;

namespace VectorDR.Storage.Tests.S3;

[CollectionDefinition(nameof(SerialCollection), DisableParallelization = true)]
public sealed class SerialCollection;

/// <summary>
/// Streaming must stay bounded whatever the object size: at most N parts/ranges in flight and about
/// partSize × (N + 1) of buffers. Runs alone (allocation counters are process-wide).
/// </summary>
[RequiresS3]
[Collection(nameof(SerialCollection))]
public sealed class S3BoundedResourceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const long MiB = 1024 * 1024;
    private readonly S3Admin _admin = new(S3TestSettings.Current);
    private string _bucket = "";

    public async Task InitializeAsync() => _bucket = await _admin.CreateBucketAsync("bounded");

    public async Task DisposeAsync()
    {
        await _admin.DeleteBucketAsync(_bucket);
        _admin.Dispose();
    }

    [StoreFact]
    public async Task Uploads_keep_parts_in_flight_and_memory_bounded_and_downloads_keep_memory_bounded()
    {
        var settings = S3TestSettings.Current;
        await using var proxy = new FaultProxy(settings.Endpoint, measureConcurrencyOf: line => line.Contains("partNumber=", StringComparison.Ordinal));
        var transfer = new S3TransferOptions { PartSize = 5 * MiB, UploadPartsInFlight = 2, DownloadRangeSize = 4 * MiB, DownloadRangesInFlight = 2 };
        await using var store = await ObjectStores.OpenAsync(settings.Location(_bucket, endpoint: proxy.Endpoint),
            new ObjectStoreOpenOptions { Environment = settings.StoreEnvironment(), S3 = transfer });
        const long size = 96 * MiB;

        var before = GC.GetTotalAllocatedBytes(precise: true);
        await store.PutAsync("big", new GeneratedStream(size, seed: 96));
        var uploadAllocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        before = GC.GetTotalAllocatedBytes(precise: true);
        await using (var read = await store.OpenReadAsync("big"))
        {
            Assert.Equal(GeneratedStream.Sha256(size, seed: 96), (await StreamAssert.HashAsync(read)).Sha256);
        }

        var downloadAllocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        output.WriteLine($"96 MiB: upload allocated {uploadAllocated / MiB} MiB, max parts in flight {proxy.MaxConcurrent}; " +
                         $"download allocated {downloadAllocated / MiB} MiB (incl. hashing the expected value)");

        Assert.InRange(proxy.MaxConcurrent, 1, 2);
        // 3 part buffers of 5 MiB + SDK/proxy overhead; far below the object size
        Assert.True(uploadAllocated < 40 * MiB, $"upload allocated {uploadAllocated / MiB} MiB");
        // 3 range buffers of 4 MiB + overhead (GeneratedStream.Sha256 for the expectation allocates little)
        Assert.True(downloadAllocated < 40 * MiB, $"download allocated {downloadAllocated / MiB} MiB");
    }
}
