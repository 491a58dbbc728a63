namespace VectorDR.QdrantEmulator;

/// <summary>How to run a <see cref="QdrantEmulatorHost"/>.</summary>
public sealed record QdrantEmulatorOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free port.</summary>
    public int Port { get; init; }

    /// <summary>Read-write api key (<c>service.api_key</c>); null = no authentication.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Read-only api key (<c>service.read_only_api_key</c>).</summary>
    public string? ReadOnlyApiKey { get; init; }

    /// <summary>Storage root (snapshots live in <c>&lt;dir&gt;/snapshots</c>); null = a new temp dir, deleted on dispose.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>The Qdrant version to claim. Below 1.12.0 the streaming shard snapshot endpoint answers 404.</summary>
    public string Version { get; init; } = "1.19.0";

    /// <summary>Commit reported by <c>GET /</c>.</summary>
    public string? Commit { get; init; } = "74f3e85b9473c62560006c043e13737ce6b48412";

    /// <summary>Fixed peer id (random when null, like Qdrant).</summary>
    public ulong? PeerId { get; init; }

    /// <summary>Points per segment file inside snapshots (segments are fixed-size, in id order).</summary>
    public int SegmentPoints { get; init; } = 10_000;

    /// <summary>Where one line per request is logged (the exe passes stderr); null = silent.</summary>
    public TextWriter? RequestLog { get; init; }

    /// <summary>Clock for snapshot names; tests may pass a fake.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
