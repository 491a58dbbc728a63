using VectorDR.Storage.FileSystem;
using VectorDR.Storage.Tests.Contract;

namespace VectorDR.Storage.Tests.FileSystem;

public sealed class FileSystemObjectStoreContractTests : ObjectStoreContractTests
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vdr-fs-store-" + Guid.NewGuid().ToString("N"));

    protected override async Task<IObjectStore> CreateStoreAsync() =>
        await ObjectStores.OpenAsync(_root, new ObjectStoreOpenOptions { CreateIfMissing = true, RequireWritable = true });

    protected override Task DestroyStoreAsync()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    protected override Task AssertNoLeftoversAsync()
    {
        var temps = Directory.EnumerateFiles(_root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(f => FileSystemObjectStore.IsTempFileName(Path.GetFileName(f)))
            .ToList();
        Assert.Empty(temps);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Read_urls_are_not_offered()
    {
        await Store.PutAsync("x", new MemoryStream([1]));
        Assert.Null(await Store.TryGetReadUrlAsync("x", TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public async Task Listing_skips_temporary_files_of_puts_in_progress()
    {
        Directory.CreateDirectory(Path.Combine(_root, "p"));
        await File.WriteAllTextAsync(Path.Combine(_root, "p", ".part.snapshot.tmp-0011223344556677"), "partial");
        await Store.PutAsync("p/done", new MemoryStream([1]));

        Assert.Equal(["p/done"], await ListKeysAsync(""));
    }

    [Fact]
    public async Task Keys_that_look_like_temporary_files_are_rejected()
    {
        await Assert.ThrowsAsync<Core.Errors.InvalidInputException>(() => Store.PutAsync("a/.x.tmp-1", new MemoryStream([1])));
    }

    [Fact]
    public async Task Deleting_the_last_object_of_a_folder_removes_the_empty_folders()
    {
        await Store.PutAsync("backups/b1/c1/0.snapshot", new MemoryStream([1]));
        await Store.PutAsync("backups/b2/manifest.json", new MemoryStream([1]));

        await Store.DeleteAsync("backups/b1/c1/0.snapshot");

        Assert.False(Directory.Exists(Path.Combine(_root, "backups", "b1")));
        Assert.True(Directory.Exists(Path.Combine(_root, "backups", "b2")));
        Assert.True(Directory.Exists(_root));
    }

    [Fact]
    public async Task A_put_under_a_key_that_is_a_file_fails_clearly()
    {
        await Store.PutAsync("a", new MemoryStream([1]));

        var ex = await Assert.ThrowsAsync<StorageException>(() => Store.PutAsync("a/b", new MemoryStream([1])));
        Assert.Contains("a file exists where its folder", ex.Message);
    }

    [Fact]
    public void Display_location_is_the_absolute_root()
    {
        Assert.Equal(Path.GetFullPath(_root), Store.DisplayLocation);
    }
}

public sealed class FileSystemOpenTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vdr-fs-open-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
        if (File.Exists(_dir)) File.Delete(_dir);
    }

    [Fact]
    public async Task A_missing_directory_is_invalid_input_naming_the_path()
    {
        var ex = await Assert.ThrowsAsync<Core.Errors.InvalidInputException>(() => ObjectStores.OpenAsync(_dir));
        Assert.Contains(_dir, ex.Message);
        Assert.Contains("does not exist", ex.Message);
        Assert.Equal(Core.Errors.ErrorKind.InvalidInput, ex.Kind);
    }

    [Fact]
    public async Task A_missing_directory_is_created_when_asked()
    {
        await using var store = await ObjectStores.OpenAsync("file://" + _dir, new ObjectStoreOpenOptions { CreateIfMissing = true, RequireWritable = true });
        Assert.True(Directory.Exists(_dir));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir)); // the write probe is gone
    }

    [Fact]
    public async Task A_file_instead_of_a_directory_is_rejected()
    {
        await File.WriteAllTextAsync(_dir, "x");
        var ex = await Assert.ThrowsAsync<Core.Errors.InvalidInputException>(() => ObjectStores.OpenAsync(_dir));
        Assert.Contains("not a directory", ex.Message);
    }

    [Fact]
    public async Task A_relative_path_opens_relative_to_the_working_directory()
    {
        Directory.CreateDirectory(_dir);
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, _dir);
        await using var store = await ObjectStores.OpenAsync(relative);
        Assert.Equal(_dir, store.DisplayLocation);
    }

    [Fact]
    public async Task An_unwritable_directory_fails_when_writes_are_required()
    {
        // As root, mode bits do not stop writes; a read-only bind mount is not available in tests.
        // /proc is a read-only filesystem for file creation for every user, root included.
        var ex = await Assert.ThrowsAsync<StorageException>(() =>
            ObjectStores.OpenAsync("/proc/self", new ObjectStoreOpenOptions { RequireWritable = true }));
        Assert.Contains("not writable", ex.Message);
        Assert.Contains("/proc/self", ex.Message);
    }
}
