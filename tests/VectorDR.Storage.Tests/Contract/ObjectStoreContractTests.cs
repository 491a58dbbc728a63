using System.Text;
using VectorDR.Core.Errors;
using VectorDR.Storage.Tests.Support;

namespace VectorDR.Storage.Tests.Contract;

/// <summary>
/// The behaviour every <see cref="IObjectStore"/> backend must show. Each concrete subclass supplies a fresh, empty
/// store per test (a temp directory, a new bucket) and a check that no temporary data was left behind.
/// Overwrite semantics (defined by this contract): a put to an existing key atomically replaces the object.
/// </summary>
public abstract class ObjectStoreContractTests : IAsyncLifetime
{
    protected const long MiB = 1024 * 1024;

    private IObjectStore? _store;

    protected IObjectStore Store => _store ?? throw new InvalidOperationException("store not created");

    /// <summary>A fresh, empty store whose multipart part size (where there is one) is small, 5 MiB.</summary>
    protected abstract Task<IObjectStore> CreateStoreAsync();

    /// <summary>Removes everything the test created.</summary>
    protected abstract Task DestroyStoreAsync();

    /// <summary>Asserts no temporary data is left (temp files, unfinished multipart uploads).</summary>
    protected abstract Task AssertNoLeftoversAsync();

    public async Task InitializeAsync() => _store = await CreateStoreAsync();

    public async Task DisposeAsync()
    {
        if (_store is not null) await _store.DisposeAsync();
        await DestroyStoreAsync();
    }

    [StoreFact]
    public async Task Put_then_read_round_trips_a_small_object()
    {
        var data = Encoding.UTF8.GetBytes("hello vectordr");
        var stored = await Store.PutAsync("backups/b1/manifest.json", new MemoryStream(data));

        Assert.Equal(data.Length, stored);
        await using var read = await Store.OpenReadAsync("backups/b1/manifest.json");
        Assert.Equal(data, await StreamAssert.ReadAllAsync(read));
        var info = await Store.GetInfoAsync("backups/b1/manifest.json");
        Assert.NotNull(info);
        Assert.Equal(data.Length, info.Size);
        Assert.Equal("backups/b1/manifest.json", info.Key);
        Assert.True(info.LastModified > DateTimeOffset.UtcNow.AddHours(-1));
    }

    [StoreFact]
    public async Task Put_then_read_round_trips_a_multi_part_object_from_a_non_seekable_stream()
    {
        const long size = 40 * MiB + 12345; // 9 parts of 5 MiB, the last one short
        var stored = await Store.PutAsync("big/part-0.snapshot", new GeneratedStream(size, seed: 7));

        Assert.Equal(size, stored);
        Assert.Equal(size, (await Store.GetInfoAsync("big/part-0.snapshot"))!.Size);
        await using var read = await Store.OpenReadAsync("big/part-0.snapshot");
        var (length, hash) = await StreamAssert.HashAsync(read);
        Assert.Equal(size, length);
        Assert.Equal(GeneratedStream.Sha256(size, seed: 7), hash);
        await AssertNoLeftoversAsync();
    }

    [StoreFact]
    public async Task Put_with_expected_size_round_trips()
    {
        const long size = 11 * MiB;
        var stored = await Store.PutAsync("sized.bin", new GeneratedStream(size, seed: 3), new PutOptions { ExpectedSize = size });

        Assert.Equal(size, stored);
        await using var read = await Store.OpenReadAsync("sized.bin");
        Assert.Equal(GeneratedStream.Sha256(size, seed: 3), (await StreamAssert.HashAsync(read)).Sha256);
    }

    [StoreFact]
    public async Task Empty_object_round_trips()
    {
        Assert.Equal(0, await Store.PutAsync("empty", new MemoryStream()));

        Assert.Equal(0, (await Store.GetInfoAsync("empty"))!.Size);
        await using var read = await Store.OpenReadAsync("empty");
        Assert.Empty(await StreamAssert.ReadAllAsync(read));
        Assert.Contains(await ListKeysAsync(""), k => k == "empty");
    }

    [StoreFact]
    public async Task Put_to_an_existing_key_replaces_the_object()
    {
        await Store.PutAsync("k", new MemoryStream(Encoding.UTF8.GetBytes("first version, longer")));
        await Store.PutAsync("k", new MemoryStream(Encoding.UTF8.GetBytes("second")));

        await using var read = await Store.OpenReadAsync("k");
        Assert.Equal("second", Encoding.UTF8.GetString(await StreamAssert.ReadAllAsync(read)));
        Assert.Equal(6, (await Store.GetInfoAsync("k"))!.Size);
        Assert.Single(await ListKeysAsync(""));
    }

    [StoreFact]
    public async Task List_returns_exactly_the_keys_under_a_prefix()
    {
        string[] keys = ["a/1", "a/2", "a/sub/3", "ab/4", "b/5", "top"];
        foreach (var key in keys) await Store.PutAsync(key, new MemoryStream([1, 2, 3]));

        Assert.Equal(["a/1", "a/2", "a/sub/3"], await ListKeysAsync("a/"));
        Assert.Equal(["a/1", "a/2", "a/sub/3", "ab/4"], await ListKeysAsync("a"));
        Assert.Equal(["a/sub/3"], await ListKeysAsync("a/s"));
        Assert.Equal(keys, await ListKeysAsync(""));
        Assert.Empty(await ListKeysAsync("nothing/"));
        Assert.All(await ListAsync("a/"), i => Assert.Equal(3, i.Size));
    }

    [StoreFact]
    public async Task List_pages_through_many_objects()
    {
        var keys = Enumerable.Range(0, 1100).Select(i => $"many/{i:D5}").ToArray();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (key, ct) => await Store.PutAsync(key, new MemoryStream([9]), cancellationToken: ct));

        Assert.Equal(keys, await ListKeysAsync("many/"));
    }

    [StoreFact]
    public async Task Delete_removes_the_object_and_is_idempotent()
    {
        await Store.PutAsync("d/x", new MemoryStream([1]));

        await Store.DeleteAsync("d/x");
        await Store.DeleteAsync("d/x");
        await Store.DeleteAsync("never/existed");

        Assert.Null(await Store.GetInfoAsync("d/x"));
        Assert.Empty(await ListKeysAsync(""));
    }

    [StoreFact]
    public async Task Reading_a_missing_object_throws_ObjectNotFoundException_naming_the_key()
    {
        var ex = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.OpenReadAsync("backups/nope/manifest.json"));

        Assert.Equal("backups/nope/manifest.json", ex.Key);
        Assert.Contains("backups/nope/manifest.json", ex.Message);
        Assert.Contains(Store.DisplayLocation, ex.Message);
        Assert.Null(await Store.GetInfoAsync("backups/nope/manifest.json"));
    }

    [StoreFact]
    public async Task A_prefix_of_other_keys_is_not_an_object()
    {
        await Store.PutAsync("backups/b1/manifest.json", new MemoryStream([1]));

        Assert.Null(await Store.GetInfoAsync("backups/b1"));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.OpenReadAsync("backups/b1"));
        await Store.DeleteAsync("backups/b1");
        Assert.NotNull(await Store.GetInfoAsync("backups/b1/manifest.json"));
    }

    [StoreFact]
    public async Task A_source_stream_that_fails_midway_leaves_no_object_and_no_temporary_data()
    {
        var source = new GeneratedStream(40 * MiB) { FailAfter = 17 * MiB };

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => Store.PutAsync("failed/part.snapshot", source));

        Assert.Contains("source failed", Flatten(ex));
        Assert.Null(await Store.GetInfoAsync("failed/part.snapshot"));
        Assert.Empty(await ListKeysAsync(""));
        await AssertNoLeftoversAsync();
    }

    [StoreFact]
    public async Task A_small_source_stream_that_fails_leaves_no_object()
    {
        var source = new GeneratedStream(1 * MiB) { FailAfter = 100_000 };

        await Assert.ThrowsAnyAsync<Exception>(() => Store.PutAsync("failed-small", source));

        Assert.Null(await Store.GetInfoAsync("failed-small"));
        await AssertNoLeftoversAsync();
    }

    [StoreFact]
    public async Task Cancelling_a_put_midway_leaves_nothing()
    {
        using var cts = new CancellationTokenSource();
        var source = new GeneratedStream(40 * MiB) { Trigger = (13 * MiB, cts.Cancel) };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.PutAsync("cancelled/part.snapshot", source, cancellationToken: cts.Token));

        Assert.Null(await Store.GetInfoAsync("cancelled/part.snapshot"));
        Assert.Empty(await ListKeysAsync(""));
        await AssertNoLeftoversAsync();
    }

    [StoreFact]
    public async Task A_failed_put_over_an_existing_object_keeps_the_old_object()
    {
        await Store.PutAsync("keep", new MemoryStream([1, 2, 3]));

        await Assert.ThrowsAnyAsync<Exception>(() => Store.PutAsync("keep", new GeneratedStream(12 * MiB) { FailAfter = 6 * MiB }));

        await using var read = await Store.OpenReadAsync("keep");
        Assert.Equal([1, 2, 3], await StreamAssert.ReadAllAsync(read));
        await AssertNoLeftoversAsync();
    }

    public static TheoryData<string> BadKeys => new()
    {
        "", "/abs/key", "a/../b", "..", "../x", "./a", "a/./b", "a\\b", "a//b", "a/", "a\0b", "tab\there", new string('k', 1025),
    };

    [StoreTheory]
    [MemberData(nameof(BadKeys))]
    public async Task Bad_keys_are_rejected_by_every_operation(string key)
    {
        await Assert.ThrowsAsync<InvalidInputException>(() => Store.PutAsync(key, new MemoryStream([1])));
        await Assert.ThrowsAsync<InvalidInputException>(() => Store.OpenReadAsync(key));
        await Assert.ThrowsAsync<InvalidInputException>(() => Store.GetInfoAsync(key));
        await Assert.ThrowsAsync<InvalidInputException>(() => Store.DeleteAsync(key));
        await Assert.ThrowsAsync<InvalidInputException>(() => Store.TryGetReadUrlAsync(key, TimeSpan.FromMinutes(1)));
    }

    [StoreTheory]
    [InlineData("../")]
    [InlineData("/abs")]
    [InlineData("a\\b")]
    [InlineData("a//b")]
    public async Task Bad_list_prefixes_are_rejected(string prefix)
    {
        await Assert.ThrowsAsync<InvalidInputException>(() => ListKeysAsync(prefix));
    }

    [StoreTheory]
    [InlineData("dir with spaces/file name.snapshot")]
    [InlineData("ünïcode/日本語+plus=eq&amp%20.bin")]
    [InlineData(".hidden/.dotfile")]
    public async Task Unusual_but_valid_keys_round_trip(string key)
    {
        await Store.PutAsync(key, new MemoryStream([42]));

        Assert.Equal([key], await ListKeysAsync(""));
        await using (var read = await Store.OpenReadAsync(key))
        {
            Assert.Equal([42], await StreamAssert.ReadAllAsync(read));
        }

        await Store.DeleteAsync(key);
        Assert.Null(await Store.GetInfoAsync(key));
    }

    [StoreFact]
    public async Task Concurrent_puts_to_different_keys_all_land()
    {
        var tasks = Enumerable.Range(0, 8).Select(i => Store.PutAsync($"c/{i}", new GeneratedStream(3 * MiB, seed: i)));
        await Task.WhenAll(tasks);

        for (var i = 0; i < 8; i++)
        {
            await using var read = await Store.OpenReadAsync($"c/{i}");
            Assert.Equal(GeneratedStream.Sha256(3 * MiB, seed: i), (await StreamAssert.HashAsync(read)).Sha256);
        }
    }

    [StoreFact]
    public async Task Display_location_parses_back_to_the_same_location()
    {
        var reparsed = StorageLocation.Parse(Store.DisplayLocation, _ => null);
        Assert.Equal(Store.DisplayLocation, reparsed.Display);
    }

    protected async Task<List<ObjectInfo>> ListAsync(string prefix)
    {
        var result = new List<ObjectInfo>();
        await foreach (var info in Store.ListAsync(prefix)) result.Add(info);
        return result;
    }

    protected async Task<List<string>> ListKeysAsync(string prefix) =>
        (await ListAsync(prefix)).Select(i => i.Key).Order(StringComparer.Ordinal).ToList();

    private static string Flatten(Exception ex)
    {
        var sb = new StringBuilder();
        for (Exception? e = ex; e is not null; e = e.InnerException) sb.Append(e.Message).Append(" | ");
        return sb.ToString();
    }
}
