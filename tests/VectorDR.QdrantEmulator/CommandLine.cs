using System.Globalization;

namespace VectorDR.QdrantEmulator;

/// <summary>A <c>--seed NAME:POINTS:DIM[:SHARDS[:DISTANCE]]</c> request.</summary>
internal sealed record SeedSpec(string Name, int Points, int Dimensions, int Shards, string Distance);

/// <summary>Parsed command line of the <c>qdrant-emulator</c> exe.</summary>
internal sealed record CommandLine(QdrantEmulatorOptions Options, IReadOnlyList<SeedSpec> Seeds)
{
    public const string Usage = """
        usage: qdrant-emulator --port N [--api-key-file PATH] [--read-only-api-key-file PATH] [--data-dir DIR]
                               [--version V] [--peer-id ID] [--segment-points N]
                               [--seed NAME:POINTS:DIM[:SHARDS[:DISTANCE]]]...
          --port N                    TCP port on 127.0.0.1 (0 = pick a free one; the ready line shows it)
          --api-key-file PATH         read-write api key, read from a file (never from argv, which ps shows)
          --read-only-api-key-file P  read-only api key, read from a file
          --data-dir DIR              storage root (snapshots in DIR/snapshots); default: a temp dir removed on exit
          --version V                 Qdrant version to claim (default 1.19.0; < 1.12.0 has no shard snapshot stream)
          --seed ...                  create and fill a collection at start (DISTANCE: Cosine|Dot|Euclid|Manhattan)
        """;

    /// <summary>Parses argv; throws <see cref="UsageException"/> with a clear message on bad usage.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var options = new QdrantEmulatorOptions { RequestLog = Console.Error };
        var seeds = new List<SeedSpec>();
        int? port = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new UsageException($"{arg} needs a value");
            switch (arg)
            {
                case "--port":
                    port = Int(arg, Value(), 0, 65535);
                    break;
                case "--api-key-file":
                    options = options with { ApiKey = ReadKey(arg, Value()) };
                    break;
                case "--read-only-api-key-file":
                    options = options with { ReadOnlyApiKey = ReadKey(arg, Value()) };
                    break;
                case "--data-dir":
                    options = options with { DataDirectory = Path.GetFullPath(Value()) };
                    break;
                case "--version":
                    var version = Value();
                    if (!System.Version.TryParse(version.Split('-')[0], out _))
                    {
                        throw new UsageException($"--version: '{version}' is not a version like 1.19.0");
                    }

                    options = options with { Version = version };
                    break;
                case "--peer-id":
                    options = options with { PeerId = ulong.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var peer) ? peer : throw new UsageException("--peer-id needs an unsigned integer") };
                    break;
                case "--segment-points":
                    options = options with { SegmentPoints = Int(arg, Value(), 1, int.MaxValue) };
                    break;
                case "--seed":
                    seeds.Add(ParseSeed(Value()));
                    break;
                case "-h" or "--help":
                    throw new UsageException(null);
                default:
                    throw new UsageException($"unknown argument '{arg}'");
            }
        }

        if (port is null)
        {
            throw new UsageException("--port is required");
        }

        return new CommandLine(options with { Port = port.Value }, seeds);
    }

    private static SeedSpec ParseSeed(string text)
    {
        var parts = text.Split(':');
        if (parts.Length is < 3 or > 5 || parts[0].Length == 0)
        {
            throw new UsageException($"--seed '{text}': expected NAME:POINTS:DIM[:SHARDS[:DISTANCE]]");
        }

        var distance = parts.Length == 5 ? parts[4] : "Cosine";
        if (distance is not ("Cosine" or "Dot" or "Euclid" or "Manhattan"))
        {
            throw new UsageException($"--seed '{text}': distance must be Cosine, Dot, Euclid or Manhattan");
        }

        return new SeedSpec(parts[0], Int("--seed points", parts[1], 0, int.MaxValue), Int("--seed dim", parts[2], 1, 65536),
            parts.Length >= 4 ? Int("--seed shards", parts[3], 1, 1024) : 1, distance);
    }

    private static int Int(string what, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new UsageException($"{what}: '{text}' must be an integer from {min} to {max}");

    private static string ReadKey(string what, string path)
    {
        try
        {
            var key = File.ReadAllText(path).Trim();
            return key.Length > 0 ? key : throw new UsageException($"{what}: file '{path}' is empty");
        }
        catch (IOException e)
        {
            throw new UsageException($"{what}: cannot read '{path}': {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new UsageException($"{what}: cannot read '{path}': {e.Message}");
        }
    }
}

/// <summary>Bad command line; <see cref="Exception.Message"/> is empty for a plain <c>--help</c>.</summary>
internal sealed class UsageException(string? message) : Exception(message ?? string.Empty);
