using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VectorDR.KubeEmulator.Api;
using VectorDR.KubeEmulator.Jobs;
using VectorDR.KubeEmulator.OpenApi;
using VectorDR.KubeEmulator.Storage;
using VectorDR.KubeEmulator.Tables;

namespace VectorDR.KubeEmulator;

/// <summary>
/// A Kubernetes API server emulator on https://127.0.0.1:PORT, in process. Real clients (kubectl, KubernetesClient)
/// talk to it through the kubeconfig or <see cref="ClientConfiguration"/>; tests inject faults through <see cref="Faults"/>.
/// </summary>
public sealed class KubeEmulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly EmulatorCertificates _certificates;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _jobNotifications;
    private readonly IJobRunner? _jobRunner;

    private KubeEmulatorHost(WebApplication app, EmulatorCertificates certificates, Uri baseAddress, string token, EmulatorFaults faults,
        RequestLog log, IEmulatorCluster cluster, Func<CancellationToken, Task> jobNotifications, IJobRunner? jobRunner)
    {
        _jobRunner = jobRunner;
        _app = app;
        _certificates = certificates;
        BaseAddress = baseAddress;
        Token = token;
        Faults = faults;
        RequestLog = log;
        Cluster = cluster;
        _jobNotifications = Task.Run(() => jobNotifications(_stopping.Token));
    }

    /// <summary>https://127.0.0.1:PORT</summary>
    public Uri BaseAddress { get; }

    public string Token { get; }

    /// <summary>The CA that signed the serving certificate, PEM encoded.</summary>
    public string CaCertificatePem => _certificates.AuthorityPem;

    public X509Certificate2 CaCertificate => _certificates.Authority;

    public EmulatorFaults Faults { get; }

    /// <summary>The request log (method, path, query, watch or not, status, duration).</summary>
    public RequestLog RequestLog { get; }

    /// <summary>Requests seen so far (bounded by <see cref="KubeEmulatorOptions.RequestLogCapacity"/>).</summary>
    public IReadOnlyList<RequestRecord> Requests => RequestLog.Snapshot();

    /// <summary>In-process access to the objects with API semantics (for test set-up and the Job runner).</summary>
    public IEmulatorCluster Cluster { get; }

    /// <summary>A client configuration that verifies the server with the emulator's CA and sends the token.</summary>
    public k8s.KubernetesClientConfiguration ClientConfiguration => new()
    {
        Host = BaseAddress.ToString().TrimEnd('/'),
        AccessToken = Token,
        SslCaCerts = [X509CertificateLoader.LoadCertificate(_certificates.Authority.RawData)],
        Namespace = "default",
    };

    public static async Task<KubeEmulatorHost> StartAsync(KubeEmulatorOptions? options = null, CancellationToken ct = default)
    {
        options ??= new KubeEmulatorOptions();
        var time = options.TimeProvider;
        var certificates = EmulatorCertificates.Create(time);
        var registry = new ResourceRegistry(BuiltInResources.All());
        var store = new ObjectStore(options.WatchHistoryLimit);
        var crds = new CustomResourceDefinitions(registry, time);
        var openApi = new OpenApiDocuments(registry, options.OpenApiDirectory ?? Path.Combine(AppContext.BaseDirectory, "openapi"));
        var resources = new ResourceService(store, crds, openApi, time);
        var faults = new EmulatorFaults(store.CompactHistory);
        var log = new RequestLog(options.RequestLogCapacity);
        var tables = new TableConverter(time);
        var handler = new ApiHandler(registry, resources, new DiscoveryDocuments(registry, options.ServerVersion), openApi, tables,
            new WatchStreamer(store, faults, tables, options.BookmarkInterval), faults, log, options.Token, options.DefaultWatchTimeout,
            options.JobRunner as IPodLogSource);
        var cluster = new EmulatorCluster(registry, resources);
        Seed(cluster, options);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificates.Server);
            });
        });
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        // The emulator lives inside test processes: it must not take over their SIGTERM/Ctrl+C (the default console
        // lifetime would swallow them). The standalone program handles signals itself.
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, PassiveLifetime>();
        var app = builder.Build();
        app.Run(handler.HandleAsync);
        await app.StartAsync(ct);

        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)).Port;
        var baseAddress = new Uri($"https://127.0.0.1:{port}");
        var notifier = new JobNotifier(store, registry, cluster, options.JobRunner);
        return new KubeEmulatorHost(app, certificates, baseAddress, options.Token, faults, log, cluster, notifier.RunAsync, options.JobRunner);
    }

    /// <summary>Writes a kubeconfig (context "kube-emulator", namespace "default") with the CA, server and token; returns the path.</summary>
    public string WriteKubeconfig(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var ca = Convert.ToBase64String(Encoding.ASCII.GetBytes(CaCertificatePem));
        var kubeconfig = $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: kube-emulator
              cluster:
                server: {BaseAddress.ToString().TrimEnd('/')}
                certificate-authority-data: {ca}
            users:
            - name: kube-emulator
              user:
                token: {Token}
            contexts:
            - name: kube-emulator
              context:
                cluster: kube-emulator
                user: kube-emulator
                namespace: default
            current-context: kube-emulator
            preferences: {"{}"}

            """;
        File.WriteAllText(path, kubeconfig);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        Faults.DropAllWatches();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        try
        {
            await _jobNotifications;
        }
        catch (OperationCanceledException)
        {
        }

        // The host owns the runner: its processes and temporary folders must not outlive the emulator.
        switch (_jobRunner)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }

        _certificates.Dispose();
        _stopping.Dispose();
    }

    private static void Seed(IEmulatorCluster cluster, KubeEmulatorOptions options)
    {
        foreach (var ns in options.Namespaces)
        {
            cluster.Create("v1", "namespaces", null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } });
        }

        foreach (var file in options.CrdPaths.SelectMany<string, string>(p => Directory.Exists(p)
                     ? Directory.GetFiles(p).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
                     : [p]))
        {
            foreach (var document in Yaml.ParseDocuments(File.ReadAllText(file)).OfType<JsonObject>())
            {
                if (document["kind"]?.GetValue<string>() == "CustomResourceDefinition")
                {
                    cluster.Create("apiextensions.k8s.io/v1", "customresourcedefinitions", null, document);
                }
            }
        }
    }
}

/// <summary>A host lifetime that neither listens for signals nor waits: the owner of the host decides when it stops.</summary>
internal sealed class PassiveLifetime : Microsoft.Extensions.Hosting.IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
