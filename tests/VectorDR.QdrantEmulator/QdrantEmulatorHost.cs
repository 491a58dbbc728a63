using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using VectorDR.QdrantEmulator.Endpoints;
using VectorDR.QdrantEmulator.Http;
using VectorDR.QdrantEmulator.Model;

namespace VectorDR.QdrantEmulator;

/// <summary>
/// An in-process Qdrant REST emulator on 127.0.0.1 (Kestrel). Start with <see cref="StartAsync"/>, talk to
/// <see cref="BaseAddress"/> with any HTTP client, dispose to stop (a temp data directory is deleted then).
/// </summary>
public sealed class QdrantEmulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly QdrantNode _node;
    private readonly string? _ownedDirectory;

    private QdrantEmulatorHost(WebApplication app, QdrantNode node, Uri baseAddress, string dataDirectory, string? ownedDirectory)
    {
        _app = app;
        _node = node;
        BaseAddress = baseAddress;
        DataDirectory = dataDirectory;
        _ownedDirectory = ownedDirectory;
    }

    /// <summary><c>http://127.0.0.1:&lt;port&gt;/</c>.</summary>
    public Uri BaseAddress { get; }

    public string DataDirectory { get; }

    /// <summary>Qdrant's <c>storage.snapshots_path</c>: <c>&lt;data&gt;/snapshots</c>.</summary>
    public string SnapshotsDirectory => _node.Snapshots.Root;

    public EmulatorFaults Faults => _node.Faults;

    public EmulatorStats Stats => _node.Stats;

    public ulong PeerId => _node.PeerId;

    public string Version => _node.Options.Version;

    public static async Task<QdrantEmulatorHost> StartAsync(QdrantEmulatorOptions? options = null, CancellationToken ct = default)
    {
        options ??= new QdrantEmulatorOptions();
        string? owned = null;
        var dataDirectory = options.DataDirectory;
        if (dataDirectory is null)
        {
            owned = dataDirectory = Directory.CreateTempSubdirectory("qdrant-emulator-").FullName;
        }

        var node = new QdrantNode(options, Path.Combine(dataDirectory, "snapshots"), options.RequestLog);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = dataDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port);
            // Multipart snapshot uploads are not capped (Qdrant: total_limit = usize::MAX); JSON bodies are capped
            // at 32 MB by RequestReader instead.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.AddServerHeader = false;
        });

        var app = builder.Build();
        app.Use(next => Middleware.Timing(next, node.Stats, options.RequestLog));
        app.Use(Middleware.TrimTrailingSlash);
        app.Use(Middleware.Errors);
        app.Use(next => Middleware.Faults(next, node.Faults, node.Stats));
        app.Use(next => Middleware.Auth(next, options.ApiKey, options.ReadOnlyApiKey));
        app.UseRouting();
        ServiceEndpoints.Map(app, node);
        CollectionEndpoints.Map(app, node);
        AliasEndpoints.Map(app, node);
        PointEndpoints.Map(app, node);
        SnapshotEndpoints.Map(app, node);
        ShardSnapshotEndpoints.Map(app, node);
        ControlEndpoints.Map(app, node);

        try
        {
            await app.StartAsync(ct);
        }
        catch
        {
            await app.DisposeAsync();
            await node.DisposeAsync();
            if (owned is not null)
            {
                Directory.Delete(owned, recursive: true);
            }

            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        return new QdrantEmulatorHost(app, node, new Uri($"http://127.0.0.1:{port}/"), dataDirectory, owned);
    }

    /// <summary>
    /// Creates a collection with one unnamed vector and fills it with deterministic pseudo-random vectors (ids
    /// 0..points-1) without going through HTTP. Payloads are <c>{"i":id,"group":"g{id%10}","even":bool}</c>.
    /// Throws <see cref="InvalidOperationException"/> if the collection exists or the config is invalid.
    /// </summary>
    public Task SeedCollectionAsync(string name, int points, int dimensions, string distance = "Cosine", int shards = 1,
        bool payloads = true, int seed = 42, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(points);
        Collection collection;
        try
        {
            collection = _node.Registry.Create(name, CollectionConfig.ForSeed(dimensions, distance, shards));
        }
        catch (QdrantApiException e)
        {
            // Same checks as PUT /collections (409 exists, 400/422 bad config), surfaced as a plain .NET exception.
            throw new InvalidOperationException($"cannot seed collection {name}: {e.Message}", e);
        }

        return Task.Run(() => Seeder.Fill(collection, points, seed, payloads, ct), ct);
    }

    /// <summary>The deterministic vector <see cref="SeedCollectionAsync"/> gives point <paramref name="id"/> (before Cosine normalisation).</summary>
    public static float[] SeedVector(int seed, ulong id, int dimensions) => Seeder.Vector(seed, id, dimensions);

    /// <summary>Waits until work started by <c>wait=false</c> requests has finished.</summary>
    public Task WhenBackgroundIdleAsync() => _node.WhenBackgroundIdleAsync();

    /// <summary>Stops the server; waits for it to stop and for background work.</summary>
    public async Task StopAsync(CancellationToken ct = default) => await _app.StopAsync(ct);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync(CancellationToken.None);
        }
        finally
        {
            await _app.DisposeAsync();
            await _node.DisposeAsync();
            if (_ownedDirectory is not null)
            {
                try
                {
                    Directory.Delete(_ownedDirectory, recursive: true);
                }
                catch (IOException)
                {
                    // Best effort: a file still open by a late reader must not fail test teardown.
                }
            }
        }
    }
}
