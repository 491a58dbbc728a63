using System.Diagnostics;
using System.Net;

namespace VectorDR.QdrantEmulator.Tests;

public sealed class HostTests
{
    [Fact]
    public async Task Temp_data_directory_is_removed_on_dispose_and_a_given_one_is_kept()
    {
        var host = await QdrantEmulatorHost.StartAsync();
        var temp = host.DataDirectory;
        Assert.StartsWith("http://127.0.0.1:", host.BaseAddress.ToString());
        Assert.Equal(Path.Combine(temp, "snapshots"), host.SnapshotsDirectory);
        await host.DisposeAsync();
        Assert.False(Directory.Exists(temp));

        var kept = Directory.CreateTempSubdirectory("qemu-kept-").FullName;
        try
        {
            await using (var owned = await QdrantEmulatorHost.StartAsync(new QdrantEmulatorOptions { DataDirectory = kept }))
            {
                await owned.SeedCollectionAsync("k", 10, 2);
                using var http = new QdrantHttp(owned.BaseAddress);
                await http.PostAsync("/collections/k/snapshots");
            }

            Assert.Single(Directory.EnumerateFiles(Path.Combine(kept, "snapshots", "k"), "*.snapshot"));
        }
        finally
        {
            Directory.Delete(kept, recursive: true);
        }
    }

    [Fact]
    public async Task Seeding_is_deterministic_across_hosts_down_to_segment_bytes()
    {
        await using var a = await QdrantEmulatorHost.StartAsync(new QdrantEmulatorOptions { SegmentPoints = 300 });
        await using var b = await QdrantEmulatorHost.StartAsync(new QdrantEmulatorOptions { SegmentPoints = 300 });
        await a.SeedCollectionAsync("x", 1000, 16, "Dot", shards: 2, seed: 5);
        await b.SeedCollectionAsync("x", 1000, 16, "Dot", shards: 2, seed: 5);
        var segmentsA = await SegmentsAsync(a);
        var segmentsB = await SegmentsAsync(b);
        Assert.Equal(4, segmentsA.Count); // 500 points per shard, 300 per segment
        Assert.Equal(segmentsA.Keys.Order(), segmentsB.Keys.Order());
        Assert.All(segmentsA, s => Assert.Equal(s.Value, segmentsB[s.Key]));
    }

    private static async Task<Dictionary<string, byte[]>> SegmentsAsync(QdrantEmulatorHost host)
    {
        using var http = new QdrantHttp(host.BaseAddress);
        var name = (await http.PostAsync("/collections/x/snapshots")).Result!["name"]!.GetValue<string>();
        return TarContents.Read(Path.Combine(host.SnapshotsDirectory, "x", name))
            .Where(e => e.Key.Contains("/segments/segment-", StringComparison.Ordinal))
            .ToDictionary(e => e.Key, e => e.Value);
    }

    [Fact]
    public async Task Seeding_an_existing_collection_or_a_bad_distance_throws()
    {
        await using var host = await QdrantEmulatorHost.StartAsync();
        await host.SeedCollectionAsync("s", 1, 2);
        await Assert.ThrowsAsync<InvalidOperationException>(() => host.SeedCollectionAsync("s", 1, 2));
        await Assert.ThrowsAsync<InvalidOperationException>(() => host.SeedCollectionAsync("t", 1, 2, distance: "Hamming"));
    }

    [Fact]
    public async Task Port_in_use_fails_to_start()
    {
        await using var first = await QdrantEmulatorHost.StartAsync();
        await Assert.ThrowsAnyAsync<IOException>(() => QdrantEmulatorHost.StartAsync(new QdrantEmulatorOptions { Port = first.BaseAddress.Port }));
    }
}

/// <summary>The standalone exe, run as a child process (<c>dotnet qdrant-emulator.dll</c>).</summary>
public sealed class ExeTests
{
    private static string ExePath => Path.Combine(AppContext.BaseDirectory, "qdrant-emulator.dll");

    private static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(ExePath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }

    [Fact]
    public async Task Bad_usage_exits_2_with_a_clear_message()
    {
        using var process = Start("--port", "abc");
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("--port: 'abc' must be an integer", stderr);
        Assert.Contains("usage: qdrant-emulator", stderr);
    }

    [Fact]
    public async Task Runs_seeds_serves_logs_and_stops_on_sigterm()
    {
        var keyFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(keyFile, "exe-secret\n");
        using var process = Start("--port", "0", "--api-key-file", keyFile, "--seed", "demo:50:4:2:Dot", "--version", "1.18.0");
        try
        {
            var ready = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.StartsWith("qdrant-emulator listening on http://127.0.0.1:", ready);
            var url = ready!.Split(' ')[3];
            using var http = new QdrantHttp(new Uri(url + "/"), "exe-secret");
            Assert.Equal("1.18.0", (await http.GetAsync("/")).Json["version"]!.GetValue<string>());
            var info = (await http.GetAsync("/collections/demo")).Result!;
            Assert.Equal(50, info["points_count"]!.GetValue<int>());
            Assert.Equal(2, info["config"]!["params"]!["shard_number"]!.GetValue<int>());
            using var anonymous = new QdrantHttp(new Uri(url + "/"));
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/collections")).Status);

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString()]))
            {
                await kill.WaitForExitAsync();
            }

            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(0, process.ExitCode);
            var log = await process.StandardError.ReadToEndAsync();
            Assert.Contains("GET /collections/demo 200", log);
            Assert.DoesNotContain("exe-secret", log);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            File.Delete(keyFile);
        }
    }
}
