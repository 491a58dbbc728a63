using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VectorDR.QdrantEmulator;

namespace VectorDR.Engine.Tests.Support;

/// <summary>
/// One Qdrant emulator (with an admin and a read-only API key) and one empty repository directory per test.
/// </summary>
public sealed class QdrantWorld : IAsyncDisposable
{
    public const string AdminKey = "admin-key-3f9a6c1e";
    public const string ReadOnlyKey = "read-only-key-77b2d0";

    private QdrantWorld(QdrantEmulatorHost emulator, string root)
    {
        Emulator = emulator;
        Root = root;
        Repository = Path.Combine(root, "repo");
        Directory.CreateDirectory(Repository);
        AdminKeyFile = Path.Combine(root, "admin.key");
        File.WriteAllText(AdminKeyFile, AdminKey + "\n");
        ReadOnlyKeyFile = Path.Combine(root, "ro.key");
        File.WriteAllText(ReadOnlyKeyFile, ReadOnlyKey);
        Http = new HttpClient { BaseAddress = emulator.BaseAddress };
        Http.DefaultRequestHeaders.Add("api-key", AdminKey);
    }

    public QdrantEmulatorHost Emulator { get; }
    public string Root { get; }
    public string Repository { get; }
    public string AdminKeyFile { get; }
    public string ReadOnlyKeyFile { get; }
    public HttpClient Http { get; }
    public string Url => Emulator.BaseAddress.ToString();

    public static async Task<QdrantWorld> StartAsync(string qdrantVersion = "1.19.0")
    {
        var root = Path.Combine(Path.GetTempPath(), "vdr-engine-tests-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        var emulator = await QdrantEmulatorHost.StartAsync(new QdrantEmulatorOptions
        {
            ApiKey = AdminKey,
            ReadOnlyApiKey = ReadOnlyKey,
            DataDirectory = Path.Combine(root, "qdrant"),
            Version = qdrantVersion,
        });
        return new QdrantWorld(emulator, root);
    }

    /// <summary>Common arguments to reach the emulator as an administrator.</summary>
    public string[] Qdrant => ["--qdrant", Url, "--api-key-file", AdminKeyFile];

    public Task SeedAsync(string name, int points = 500, int dimensions = 16, string distance = "Cosine", int shards = 1) =>
        Emulator.SeedCollectionAsync(name, points, dimensions, distance, shards);

    /// <summary>Snapshot files on Qdrant's disk: a backup must leave none behind.</summary>
    public IEnumerable<string> SnapshotFilesOnQdrant() =>
        Directory.Exists(Emulator.SnapshotsDirectory)
            ? Directory.EnumerateFiles(Emulator.SnapshotsDirectory, "*.snapshot", SearchOption.AllDirectories)
            : [];

    public async Task<long> CountAsync(string collection)
    {
        using var response = await Http.PostAsJsonAsync($"collections/{collection}/points/count", new { exact = true });
        response.EnsureSuccessStatusCode();
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return json["result"]!["count"]!.GetValue<long>();
    }

    public async Task<bool> ExistsAsync(string collection)
    {
        var json = JsonNode.Parse(await Http.GetStringAsync($"collections/{collection}/exists"))!;
        return json["result"]!["exists"]!.GetValue<bool>();
    }

    public async Task DeleteCollectionAsync(string collection) =>
        (await Http.DeleteAsync($"collections/{collection}")).EnsureSuccessStatusCode();

    public async Task<string?> AliasTargetAsync(string alias)
    {
        var json = JsonNode.Parse(await Http.GetStringAsync("aliases"))!;
        return json["result"]!["aliases"]!.AsArray()
            .FirstOrDefault(a => a!["alias_name"]!.GetValue<string>() == alias)?["collection_name"]!.GetValue<string>();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Emulator.DisposeAsync();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
