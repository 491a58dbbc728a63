using System.Diagnostics;
using System.Text.Json;
using VectorDR.Cli.Output;
using VectorDR.Engine.Tests.Support;

namespace VectorDR.Engine.Tests;

/// <summary>In a Job, the result reaches the operator through the termination message file.</summary>
public sealed class TerminationMessageTests : IAsyncLifetime
{
    private QdrantWorld _world = null!;

    public async Task InitializeAsync() => _world = await QdrantWorld.StartAsync();
    public async Task DisposeAsync() => await _world.DisposeAsync();

    private async Task<(int Exit, JsonElement Message)> RunAsProcessAsync(params string[] args)
    {
        var messageFile = Path.Combine(_world.Root, $"termination-{Guid.NewGuid():N}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vectordr.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["TERMINATION_MESSAGE_PATH"] = messageFile;
        using var process = Process.Start(start)!;
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, JsonDocument.Parse(await File.ReadAllTextAsync(messageFile)).RootElement.Clone());
    }

    [Fact]
    public async Task A_backup_writes_its_result_and_a_failure_writes_its_error()
    {
        await _world.SeedAsync("docs", points: 200);

        var (exit, message) = await RunAsProcessAsync("backup", "--qdrant", _world.Url, "--api-key-file", _world.AdminKeyFile, "-c", "docs",
            "--to", _world.Repository);
        Assert.Equal(0, exit);
        Assert.True(message.GetProperty("succeeded").GetBoolean());
        Assert.Equal(200, message.GetProperty("backup").GetProperty("points").GetInt64());

        var (failedExit, failed) = await RunAsProcessAsync("backup", "--qdrant", _world.Url, "--api-key-file", _world.AdminKeyFile, "-c", "nope",
            "--to", _world.Repository);
        Assert.Equal(2, failedExit);
        Assert.False(failed.GetProperty("succeeded").GetBoolean());
        Assert.Contains("collection 'nope' does not exist", failed.GetProperty("error").GetString());
        Assert.DoesNotContain(QdrantWorld.AdminKey, failed.GetRawText());
    }

    [Fact]
    public void A_result_too_big_for_the_kubelet_keeps_its_essentials_within_4096_bytes()
    {
        var collections = Enumerable.Range(0, 200).Select(i => new { name = $"collection-{i}", points = i, sizeBytes = i * 1000 });
        var big = JsonSerializer.Serialize(new { succeeded = true, backup = new { backupId = "b1", points = 5, collections } });

        var fitted = TerminationMessage.Fit(big);

        Assert.True(System.Text.Encoding.UTF8.GetByteCount(fitted) <= 4096);
        var json = JsonDocument.Parse(fitted).RootElement;
        Assert.True(json.GetProperty("truncated").GetBoolean());
        Assert.True(json.GetProperty("succeeded").GetBoolean());
        Assert.Equal("b1", json.GetProperty("backup").GetProperty("backupId").GetString());
    }
}
