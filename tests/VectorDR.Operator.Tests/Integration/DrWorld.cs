using System.Text;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VectorDR.ControllerRuntime.Client;
using VectorDR.KubeEmulator;
using VectorDR.KubeEmulator.Jobs;
using VectorDR.Operator.Entities;
using VectorDR.QdrantEmulator;

namespace VectorDR.Operator.Tests.Integration;

/// <summary>
/// A whole disaster-recovery setting on 127.0.0.1: a Qdrant emulator (API key required) seeded with a collection,
/// the Kubernetes API emulator with our CRDs and a Job runner that runs each Job's pod as a real `vectordr`
/// process, Secrets for Qdrant, and operators started on demand. Backups go to folders under <see cref="Root"/> or
/// to RGW buckets.
/// </summary>
internal sealed partial class DrWorld : IAsyncDisposable
{
    public const string Image = "ghcr.io/vectordr/vectordr:test";
    public const string QdrantKey = "qdrant-admin-key-5be2e1";
    public const string Collection = "docs";

    private DrWorld(OperatorHarness kube, QdrantEmulatorHost qdrant, string root)
    {
        Kube = kube;
        Qdrant = qdrant;
        Root = root;
    }

    public OperatorHarness Kube { get; }
    public QdrantEmulatorHost Qdrant { get; }
    public KubeApiClient Client => Kube.Client;
    public string Root { get; }
    public string QdrantUrl => Qdrant.BaseAddress.ToString().TrimEnd('/');

    /// <summary>The `vectordr` executable the Jobs run: VDR_VECTORDR, else the CLI built beside this test assembly.</summary>
    public static string VectordrPath
    {
        get
        {
            if (Environment.GetEnvironmentVariable("VDR_VECTORDR") is { Length: > 0 } overridden) return overridden;
            var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var built = Path.Combine(here.Parent!.Parent!.FullName, "VectorDR.Cli", here.Name, "vectordr");
            return File.Exists(built) ? built : throw new FileNotFoundException($"vectordr is not built at {built}; build the solution first (make build)");
        }
    }

    public static async Task<DrWorld> StartAsync(int points = 300, TimeProvider? jobClock = null)
    {
        var root = Path.Combine(WorldsFolder, "vdr-op-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        var qdrant = await QdrantEmulatorHost.StartAsync(new QdrantEmulatorOptions { ApiKey = QdrantKey, DataDirectory = Path.Combine(root, "qdrant") });
        await qdrant.SeedCollectionAsync(Collection, points, 8);
        var runner = new LocalProcessJobRunner(new LocalProcessJobRunnerOptions
        {
            Images = { [Image] = VectordrPath },
            PodFailureBackoff = TimeSpan.FromMilliseconds(100),
            ContainerRestartBackoff = TimeSpan.FromMilliseconds(100),
            // Room for a cancelled restore to remove what it created on SIGTERM when every test project runs at once;
            // a vectordr process that exits promptly never waits for it.
            MaxTerminationGracePeriod = TimeSpan.FromSeconds(10),
            WorkDirectory = Path.Combine(root, "pods"),
            TimeProvider = jobClock ?? TimeProvider.System,
            // Claims a policy may name for its file:// locations; a pod that mounts one sees this world's folder.
            PersistentVolumeClaims = { [PrimaryClaim] = Path.Combine(root, "claims", PrimaryClaim), [StandbyClaim] = Path.Combine(root, "claims", StandbyClaim) },
        });
        var kube = await OperatorHarness.StartAsync(new KubeEmulatorOptions { JobRunner = runner });
        var world = new DrWorld(kube, qdrant, root);
        await world.CreateSecretAsync("qdrant", ("api-key", QdrantKey));
        return world;
    }

    /// <summary>
    /// Where worlds keep their folders (Qdrant's data, file:// locations, the pods' folders): not under /tmp, because
    /// the Job pods mount an emptyDir there, and the emulated kubelet, like a real one, then maps every /tmp path the
    /// Job is given into that emptyDir. VDR_WORLDS overrides it.
    /// </summary>
    private static string WorldsFolder => Environment.GetEnvironmentVariable("VDR_WORLDS") is { Length: > 0 } folder ? folder : "/var/tmp";

    public const string PrimaryClaim = "dr-backups";
    public const string StandbyClaim = "dr-standby";

    /// <summary>The local folder standing in for a PersistentVolumeClaim's volume.</summary>
    public string ClaimFolder(string claim) => Path.Combine(Root, "claims", claim);

    /// <summary>A file:// location in this world's folder (the Job processes run on this machine).</summary>
    public string FileLocation(string name)
    {
        var path = Path.Combine(Root, name);
        Directory.CreateDirectory(path); // a location is never created by a backup: it must exist (a mounted volume)
        return new Uri(path).AbsoluteUri;
    }

    /// <param name="clock">The operator's clock (a fake one drives schedules in tests); leader election is off with it.</param>
    /// <param name="logs">Receives every log line of the operator, down to Debug.</param>
    public Task<WebApplication> StartOperatorAsync(string identity = "operator", TimeProvider? clock = null, ILoggerProvider? logs = null) =>
        Kube.StartOperatorAsync(identity, leaderElection: clock is null, extraArgs:
        [
            $"--Operator:JobImage={Image}",
            "--Operator:JobTtlSecondsAfterFinished=3600",
            .. logs is null ? Array.Empty<string>() : ["--Logging:LogLevel:Default=Debug"],
        ], configure: b =>
        {
            if (clock is not null) b.Services.AddSingleton(clock);
            if (logs is not null) b.Logging.AddProvider(logs);
        });

    public Task<V1Secret> CreateSecretAsync(string name, params (string Key, string Value)[] data) =>
        Client.CreateAsync(new V1Secret
        {
            ApiVersion = "v1", Kind = "Secret",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
            Data = data.ToDictionary(d => d.Key, d => Encoding.UTF8.GetBytes(d.Value)),
        }, CancellationToken.None);

    /// <summary>A PersistentVolumeClaim object (the emulated kubelet maps the claims named in <see cref="PrimaryClaim"/>/<see cref="StandbyClaim"/> to folders).</summary>
    public Task<V1PersistentVolumeClaim> CreateClaimAsync(string name) =>
        Client.CreateAsync(new V1PersistentVolumeClaim
        {
            ApiVersion = "v1", Kind = "PersistentVolumeClaim",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
            Spec = new V1PersistentVolumeClaimSpec
            {
                AccessModes = ["ReadWriteOnce"],
                Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } },
            },
        }, CancellationToken.None);

    /// <summary>A policy backing up <see cref="Collection"/> hourly into <paramref name="location"/>, adjusted by <paramref name="configure"/>.</summary>
    public Task<BackupPolicy> CreatePolicyAsync(string name, string location, Action<BackupPolicySpec>? configure = null)
    {
        var spec = new BackupPolicySpec
        {
            Source = new BackupSource
            {
                Qdrant = new QdrantEndpoint { Url = QdrantUrl, ApiKeySecretRef = new SecretKeyReference { Name = "qdrant", Key = "api-key" } },
                Collections = [Collection],
            },
            Schedule = "@hourly",
            Storage = new StorageLocation { Location = location },
            Verification = new VerificationSettings { Probes = 3, TopK = 5 },
            JobTemplate = new JobTemplate { BackoffLimit = 0 },
        };
        configure?.Invoke(spec);
        return Client.CreateAsync(new BackupPolicy { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" }, Spec = spec }, CancellationToken.None);
    }

    public Task<BackupPolicy> BackupNowAsync(string policy, string value) =>
        Client.MergePatchAsync<BackupPolicy>("default", policy,
            new { metadata = new { annotations = new Dictionary<string, string> { ["dr.vectordr.io/backup-now"] = value } } }, CancellationToken.None);

    /// <summary>Starts a backup-now run, waits until the run and its copy-and-prune Job ended, asserts both succeeded and returns the backup's id.</summary>
    public async Task<string> BackUpNowAndSyncAsync(string policy, string value)
    {
        await BackupNowAsync(policy, value);
        var done = await WaitForPolicyAsync(policy, p => p.Status.LastBackupNowValue == value
            && p.Status.RecentBackups?.FirstOrDefault() is { Result: not BackupRunResult.Running, Sync: not BackupRunResult.Running }, $"run {value} and its copy ended");
        var run = done.Status.RecentBackups![0];
        Assert.True(run is { Result: BackupRunResult.Succeeded, Sync: BackupRunResult.Succeeded }, run.Message);
        return done.Status.LastSuccessfulBackup!.Id;
    }

    public async Task<BackupPolicy> PolicyAsync(string name) => (await Client.GetAsync<BackupPolicy>("default", name, CancellationToken.None))!;

    public async Task<IReadOnlyList<V1Job>> JobsAsync() => (await Client.ListAsync<V1Job>("default", null, CancellationToken.None)).Items;

    public async Task<IReadOnlyList<V1Pod>> PodsAsync() => (await Client.ListAsync<V1Pod>("default", null, CancellationToken.None)).Items;

    public Task<IReadOnlyList<Corev1Event>> EventsAsync() => Kube.EventsAsync();

    /// <inheritdoc cref="OperatorHarness.EventsOnceAsync"/>
    public Task<IReadOnlyList<Corev1Event>> EventsOnceAsync(Func<IReadOnlyList<Corev1Event>, bool> until, string what) => Kube.EventsOnceAsync(until, what);

    /// <summary>Waits for the policy to satisfy <paramref name="condition"/> and returns it.</summary>
    public async Task<BackupPolicy> WaitForPolicyAsync(string name, Func<BackupPolicy, bool> condition, string what, int seconds = 60)
    {
        BackupPolicy? last = null;
        try
        {
            await OperatorHarness.EventuallyAsync(async () => condition(last = await PolicyAsync(name)), what, TimeSpan.FromSeconds(seconds));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nlast status: {k8s.KubernetesJson.Serialize(last?.Status)}", e);
        }
        return last!;
    }

    /// <summary>Committed backup ids in a filesystem location.</summary>
    public IReadOnlyList<string> BackupsIn(string location)
    {
        var dir = Path.Combine(new Uri(location).LocalPath, "backups");
        return Directory.Exists(dir)
            ? Directory.GetDirectories(dir).Where(d => File.Exists(Path.Combine(d, "manifest.json"))).Select(d => Path.GetFileName(d)!).Order().ToList()
            : [];
    }

    public async ValueTask DisposeAsync()
    {
        await Kube.DisposeAsync();
        await Qdrant.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Keeps every formatted log line (with its exception) in memory, to search them.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
