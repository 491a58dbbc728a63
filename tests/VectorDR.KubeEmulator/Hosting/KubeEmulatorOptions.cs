using System.Security.Cryptography;
using VectorDR.KubeEmulator.Jobs;

namespace VectorDR.KubeEmulator;

/// <summary>How to run the emulator. Every property has a default that suits a unit test.</summary>
public sealed record KubeEmulatorOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>The bearer token clients must present.</summary>
    public string Token { get; init; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();

    /// <summary>How many committed events are kept for watch resumption; older resourceVersions get 410 Gone.</summary>
    public int WatchHistoryLimit { get; init; } = 10_000;

    /// <summary>How often a watch with allowWatchBookmarks=true receives a BOOKMARK (the real server: about a minute).</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Watch duration when the client does not send timeoutSeconds (the real server picks 30–60 minutes).</summary>
    public TimeSpan DefaultWatchTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>What /version reports.</summary>
    public string ServerVersion { get; init; } = "v1.31.0";

    /// <summary>Folder of the built-in groups' OpenAPI v3 documents (…_openapi.json); default: the copy beside the binary.</summary>
    public string? OpenApiDirectory { get; init; }

    /// <summary>CRD manifests (YAML or JSON files, or folders of them) created at start-up.</summary>
    public IReadOnlyList<string> CrdPaths { get; init; } = [];

    /// <summary>Namespaces that exist at start-up.</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = ["default", "kube-system", "kube-public", "kube-node-lease"];

    /// <summary>Notified when Jobs are created or deleted (the seam for a runner that executes them).</summary>
    public IJobRunner? JobRunner { get; init; }

    /// <summary>How many requests <see cref="KubeEmulatorHost.Requests"/> retains.</summary>
    public int RequestLogCapacity { get; init; } = 100_000;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
