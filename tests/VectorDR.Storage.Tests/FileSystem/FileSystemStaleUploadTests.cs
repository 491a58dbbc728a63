namespace VectorDR.Storage.Tests.FileSystem;

public sealed class FileSystemStaleUploadTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("vdr-fs-gc");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public async Task Temp_files_of_crashed_puts_are_listed_and_removed_after_the_grace_period()
    {
        await using var store = await ObjectStores.OpenAsync(_root.FullName);
        await store.PutAsync("backups/b1/manifest.json", new MemoryStream([1]));
        var crashed = Path.Combine(_root.FullName, "backups", "b1", ".part-0.snapshot.tmp-00112233aabbccdd");
        await File.WriteAllTextAsync(crashed, "partial");
        File.SetLastWriteTimeUtc(crashed, DateTime.UtcNow.AddHours(-2));
        var janitor = (IStaleUploadJanitor)store;

        var pending = new List<PendingUpload>();
        await foreach (var upload in janitor.ListPendingUploadsAsync("backups/")) pending.Add(upload);

        var only = Assert.Single(pending);
        Assert.Equal("backups/b1/part-0.snapshot", only.Key);
        Assert.Equal(0, await janitor.AbortStaleUploadsAsync(TimeSpan.FromHours(3)));
        Assert.Equal(1, await janitor.AbortStaleUploadsAsync(TimeSpan.FromHours(1)));
        Assert.False(File.Exists(crashed));
        Assert.NotNull(await store.GetInfoAsync("backups/b1/manifest.json"));
    }
}
