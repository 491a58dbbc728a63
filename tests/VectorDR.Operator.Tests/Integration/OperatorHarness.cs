using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using k8s;
using k8s.Models;
using VectorDR.ControllerRuntime.Client;
using VectorDR.ControllerRuntime.Entities;
using VectorDR.ControllerRuntime.LeaderElection;
using VectorDR.KubeEmulator;
using VectorDR.Operator.Entities;
using VectorDR.Operator.Hosting;
using VectorDR.Operator.Tests.Manifests;

namespace VectorDR.Operator.Tests.Integration;

/// <summary>The Kubernetes API emulator with the generated CRDs, and operator instances against it.</summary>
internal sealed class OperatorHarness : IAsyncDisposable
{
    private readonly List<WebApplication> _operators = [];

    private OperatorHarness(KubeEmulatorHost emulator)
    {
        Emulator = emulator;
        Client = new KubeApiClient(new Kubernetes(emulator.ClientConfiguration));
    }

    public KubeEmulatorHost Emulator { get; }

    /// <summary>The test's own client (its requests are in the emulator's log too).</summary>
    public KubeApiClient Client { get; }

    public static async Task<OperatorHarness> StartAsync(KubeEmulatorOptions? options = null)
    {
        var emulator = await KubeEmulatorHost.StartAsync((options ?? new KubeEmulatorOptions()) with
        {
            CrdPaths = [Path.Combine(RepoPaths.Root, "crds")],
            BookmarkInterval = TimeSpan.FromSeconds(1),
        });
        return new OperatorHarness(emulator);
    }

    public async Task<WebApplication> StartOperatorAsync(string identity, TimeSpan? leaseDuration = null, bool leaderElection = true,
        IEnumerable<string>? extraArgs = null, Action<WebApplicationBuilder>? configure = null)
    {
        var lease = leaseDuration ?? TimeSpan.FromSeconds(4);
        string[] args =
        [
            "--Urls=http://127.0.0.1:0",
            "--Operator:Workers=2",
            $"--Operator:LeaderElection:Enabled={leaderElection}",
            $"--Operator:LeaderElection:Identity={identity}",
            "--Operator:LeaderElection:LeaseNamespace=default",
            $"--Operator:LeaderElection:LeaseDuration={lease}",
            $"--Operator:LeaderElection:RenewDeadline={lease * 2 / 3}",
            "--Operator:LeaderElection:RetryPeriod=00:00:00.300",
            "--Logging:LogLevel:Default=Warning",
            .. extraArgs ?? [],
        ];
        var app = OperatorHost.Build(args, b =>
        {
            b.Services.AddSingleton<IKubernetes>(new Kubernetes(Emulator.ClientConfiguration));
            configure?.Invoke(b);
        });
        await app.StartAsync();
        _operators.Add(app);
        return app;
    }

    /// <summary>The operator's /metrics page.</summary>
    public static async Task<string> MetricsAsync(WebApplication app)
    {
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        return await http.GetStringAsync("/metrics");
    }

    public static bool IsLeader(WebApplication app) => app.Services.GetRequiredService<ILeadership>().IsLeader;

    public async Task StopOperatorAsync(WebApplication app)
    {
        _operators.Remove(app);
        await app.StopAsync();
        await app.DisposeAsync();
    }

    public Task<V1Secret> CreateSecretAsync(string ns, string name, params string[] keys) =>
        Client.CreateAsync(new V1Secret
        {
            ApiVersion = "v1", Kind = "Secret",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            Data = keys.ToDictionary(k => k, _ => "dmFsdWU="u8.ToArray()),
        }, CancellationToken.None);

    public Task<BackupPolicy> CreatePolicyAsync(string name, string schedule = "@hourly", string apiKeySecret = "qdrant", string ns = "default") =>
        Client.CreateAsync(new BackupPolicy
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            Spec = new BackupPolicySpec
            {
                Source = new BackupSource { Qdrant = new QdrantEndpoint { Url = "http://qdrant:6333", ApiKeySecretRef = new SecretKeyReference { Name = apiKeySecret, Key = "api-key" } } },
                Schedule = schedule,
                Storage = new StorageLocation { Location = "file:///backups/" + name },
            },
        }, CancellationToken.None);

    public Task<BackupPolicy?> GetPolicyAsync(string name, string ns = "default") => Client.GetAsync<BackupPolicy>(ns, name, CancellationToken.None);

    public async Task<Condition?> ReadyAsync(string name) =>
        Conditions.Find((await GetPolicyAsync(name))?.Status.Conditions, "Ready");

    public async Task<IReadOnlyList<Corev1Event>> EventsAsync(string ns = "default") =>
        (await Client.ListAsync<Corev1Event>(ns, null, CancellationToken.None)).Items;

    /// <summary>
    /// The events once <paramref name="until"/> holds for them. The operator publishes an event after it has written the
    /// status that records it, and in the background: a test that has just seen a status waits for its events.
    /// </summary>
    public async Task<IReadOnlyList<Corev1Event>> EventsOnceAsync(Func<IReadOnlyList<Corev1Event>, bool> until, string what, string ns = "default")
    {
        IReadOnlyList<Corev1Event> events = [];
        await EventuallyAsync(async () => until(events = await EventsAsync(ns)), what);
        return events;
    }

    /// <summary>How often events of <paramref name="reason"/> were reported (an aggregated event counts its repeats).</summary>
    public static int Occurrences(IEnumerable<Corev1Event> events, string reason) => events.Where(e => e.Reason == reason).Sum(e => e.Count ?? 1);

    /// <summary>Polls until <paramref name="condition"/> holds (every 50 ms), failing with <paramref name="what"/> after the timeout.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for: {what}");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _operators.ToList())
        {
            try
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
            catch (ObjectDisposedException)
            {
            }
        }
        await Emulator.DisposeAsync();
    }
}
