using System.Diagnostics;
using System.Security.Cryptography;

namespace VectorDR.QdrantEmulator.Tests;

/// <summary>Runs only with <c>VDR_LARGE_TESTS=1</c> (minutes of CPU, GiB of disk): the ≥1 GiB snapshot path.</summary>
public sealed class LargeFactAttribute : FactAttribute
{
    public LargeFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("VDR_LARGE_TESTS") != "1")
        {
            Skip = "set VDR_LARGE_TESTS=1 to run (seeds 700,000 x 384 and writes a >1 GiB snapshot)";
        }
    }
}

public sealed class LargeSnapshotTests
{
    [LargeFact]
    public async Task Gibibyte_snapshot_is_written_streamed_and_hashed_from_disk()
    {
        await using var host = await QdrantEmulatorHost.StartAsync();
        var watch = Stopwatch.StartNew();
        await host.SeedCollectionAsync("big", 700_000, 384);
        var seeded = watch.Elapsed;
        using var http = new QdrantHttp(host.BaseAddress);
        http.Client.Timeout = TimeSpan.FromMinutes(10);
        var created = (await http.PostAsync("/collections/big/snapshots")).Result!;
        var size = created["size"]!.GetValue<long>();
        Assert.True(size >= 1L << 30, $"snapshot is {size} bytes");
        var path = Path.Combine(host.SnapshotsDirectory, "big", created["name"]!.GetValue<string>());
        await using (var file = File.OpenRead(path))
        {
            Assert.Equal(created["checksum"]!.GetValue<string>(), Convert.ToHexStringLower(await SHA256.HashDataAsync(file)));
        }

        using var stream = await http.Client.GetAsync("/collections/big/shards/0/snapshot", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await stream.Content.ReadAsStreamAsync();
        var total = 0L;
        var buffer = new byte[1 << 20];
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            total += read;
        }

        Assert.True(total >= 1L << 30);
        Assert.True(seeded < TimeSpan.FromMinutes(1), $"seeding took {seeded}");
    }
}
