using VectorDR.Storage.Tests.Contract;
using VectorDR.Storage.Tests.Support;

namespace VectorDR.Storage.Tests.S3;

/// <summary>The store contract on Ceph RGW, through a key prefix, with 5 MiB parts and 4 MiB read ranges.</summary>
[RequiresS3]
public sealed class S3ObjectStoreContractTests : ObjectStoreContractTests
{
    private S3Admin? _admin;
    private string? _bucket;

    private static S3TestSettings Settings => S3TestSettings.Current;

    protected override async Task<IObjectStore> CreateStoreAsync()
    {
        _admin = new S3Admin(Settings);
        _bucket = await _admin.CreateBucketAsync("contract");
        return await ObjectStores.OpenAsync(Settings.Location(_bucket, "team/qdrant"), new ObjectStoreOpenOptions
        {
            RequireWritable = true,
            Environment = Settings.StoreEnvironment(),
            S3 = new S3TransferOptions { PartSize = 5 * MiB, DownloadRangeSize = 4 * MiB },
        });
    }

    protected override async Task DestroyStoreAsync()
    {
        if (_admin is null) return;
        if (_bucket is not null) await _admin.DeleteBucketAsync(_bucket);
        _admin.Dispose();
    }

    protected override async Task AssertNoLeftoversAsync()
    {
        Assert.Empty(await _admin!.ListUploadsAsync(_bucket!));
    }

    [StoreFact]
    public async Task Keys_live_under_the_location_prefix()
    {
        await Store.PutAsync("backups/b1/manifest.json", new MemoryStream([1]));

        Assert.Equal(["team/qdrant/backups/b1/manifest.json"], await _admin!.ListKeysAsync(_bucket!));
    }

    [StoreFact]
    public async Task Opening_for_writes_leaves_nothing_behind()
    {
        Assert.Empty(await _admin!.ListKeysAsync(_bucket!));
        Assert.Empty(await _admin.ListUploadsAsync(_bucket!));
    }
}
