using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using VectorDR.Operator.Entities;

namespace VectorDR.Operator.Tests.Integration;

/// <summary>A backup made outside the operator (by `vectordr backup` run directly, as another cluster or a person would).</summary>
internal sealed record CliBackup(string Id, DateTimeOffset CompletedAt, long Points);

/// <summary>RestoreRequest helpers of the disaster-recovery world.</summary>
internal sealed partial class DrWorld
{
    /// <summary>Restores the newest backup of <paramref name="policy"/>'s replica into collection <paramref name="to"/>, asserts it succeeded and returns the request.</summary>
    public async Task<RestoreRequest> RestoreLatestFromReplicaAsync(string name, string policy, string replica, string to)
    {
        await CreateRestoreAsync(name, new RestoreSource { BackupPolicyRef = new BackupPolicySourceReference { Name = policy, Replica = replica }, Latest = true },
            t => t.Collections = [new CollectionMapping { From = Collection, To = to }]);
        var request = await WaitForRestoreEndAsync(name);
        Assert.True(request.Status.Phase == RestorePhase.Succeeded, request.Status.Message);
        using var qdrant = QdrantAt();
        Assert.Equal(300, await qdrant.CountAsync(to));
        return request;
    }

    public static QdrantEndpoint Endpoint(string url) =>
        new() { Url = url, ApiKeySecretRef = new SecretKeyReference { Name = "qdrant", Key = "api-key" } };

    /// <summary>Runs `vectordr backup` as a child process (the way a person or another cluster's Job would) and returns the committed backup.</summary>
    public async Task<CliBackup> BackupWithCliAsync(string location, string? qdrantUrl = null, string collection = Collection)
    {
        var start = new ProcessStartInfo(VectordrPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "backup", "--qdrant", qdrantUrl ?? QdrantUrl, "--to", location, "--collection", collection, "--probes", "3", "--top-k", "5", "--json" })
            start.ArgumentList.Add(arg);
        start.Environment["QDRANT_API_KEY"] = QdrantKey; // AWS_* come from this process (S3Buckets sets them)
        start.Environment.Remove("TERMINATION_MESSAGE_PATH");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"vectordr backup exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
        var backup = JsonNode.Parse(await stdout)!["backup"]!;
        return new CliBackup(backup["backupId"]!.GetValue<string>(), DateTimeOffset.Parse(backup["completedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture),
            backup["points"]?.GetValue<long>() ?? 0);
    }

    public Task<RestoreRequest> CreateRestoreAsync(string name, RestoreSource source, Action<RestoreTarget>? configure = null, string? qdrantUrl = null)
    {
        var target = new RestoreTarget { Qdrant = Endpoint(qdrantUrl ?? QdrantUrl) };
        configure?.Invoke(target);
        return Client.CreateAsync(new RestoreRequest
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
            Spec = new RestoreRequestSpec { Source = source, Target = target },
        }, CancellationToken.None);
    }

    public async Task<RestoreRequest?> RestoreAsync(string name) => await Client.GetAsync<RestoreRequest>("default", name, CancellationToken.None);

    public async Task<RestoreRequest> WaitForRestoreAsync(string name, Func<RestoreRequest, bool> condition, string what, int seconds = 60)
    {
        RestoreRequest? last = null;
        try
        {
            await OperatorHarness.EventuallyAsync(async () => (last = await RestoreAsync(name)) is { } r && condition(r), what, TimeSpan.FromSeconds(seconds));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nlast status: {k8s.KubernetesJson.Serialize(last?.Status)}", e);
        }
        return last!;
    }

    /// <summary>Waits for Succeeded or Failed.</summary>
    public Task<RestoreRequest> WaitForRestoreEndAsync(string name, int seconds = 60) =>
        WaitForRestoreAsync(name, r => r.Status.Phase is RestorePhase.Succeeded or RestorePhase.Failed, $"RestoreRequest {name} ended", seconds);

    public QdrantProbe QdrantAt(string? url = null) => new(url ?? QdrantUrl);
}

/// <summary>What a test reads back from Qdrant over its REST API (as an administrator).</summary>
internal sealed class QdrantProbe : IDisposable
{
    private readonly HttpClient _http;

    public QdrantProbe(string url)
    {
        _http = new HttpClient { BaseAddress = new Uri(url.TrimEnd('/') + "/") };
        _http.DefaultRequestHeaders.Add("api-key", DrWorld.QdrantKey);
    }

    public async Task<bool> ExistsAsync(string collection) =>
        (await _http.GetFromJsonAsync<JsonObject>($"collections/{collection}/exists"))!["result"]!["exists"]!.GetValue<bool>();

    public async Task<long> CountAsync(string collection)
    {
        using var response = await _http.PostAsJsonAsync($"collections/{collection}/points/count", new { exact = true });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["result"]!["count"]!.GetValue<long>();
    }

    /// <summary>The collection an alias points at, or null.</summary>
    public async Task<string?> AliasAsync(string alias)
    {
        var result = await _http.GetFromJsonAsync<JsonObject>("aliases");
        return result!["result"]!["aliases"]!.AsArray().FirstOrDefault(a => a!["alias_name"]!.GetValue<string>() == alias)?["collection_name"]?.GetValue<string>();
    }

    public async Task CreateAliasAsync(string alias, string collection)
    {
        using var response = await _http.PostAsJsonAsync("collections/aliases",
            new { actions = new object[] { new { create_alias = new { alias_name = alias, collection_name = collection } } } });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public void Dispose() => _http.Dispose();
}
