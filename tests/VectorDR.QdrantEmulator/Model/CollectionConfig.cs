using System.Text.Json;
using System.Text.Json.Nodes;
using VectorDR.QdrantEmulator.Http;

namespace VectorDR.QdrantEmulator.Model;

/// <summary>A dense vector slot of a collection. <see cref="Name"/> is empty for the single unnamed vector.</summary>
internal sealed record VectorSpec(string Name, int Size, Distance Distance, JsonObject Params);

/// <summary>
/// Collection configuration, parsed from a <c>CreateCollection</c> body or a snapshot's <c>config.json</c>, and
/// rendered back as Qdrant's <c>CollectionConfig</c> (info) or <c>CollectionConfigInternal</c> (snapshot).
/// </summary>
internal sealed class CollectionConfig
{
    private CollectionConfig(bool namedVectors, IReadOnlyList<VectorSpec> vectors, JsonObject parameters, JsonObject hnsw,
        JsonObject optimizer, JsonObject wal, JsonNode? quantization, JsonNode? strictMode, JsonNode? metadata, Guid uuid)
    {
        NamedVectors = namedVectors;
        Vectors = vectors;
        Params = parameters;
        Hnsw = hnsw;
        Optimizer = optimizer;
        Wal = wal;
        Quantization = quantization;
        StrictMode = strictMode;
        Metadata = metadata;
        Uuid = uuid;
    }

    /// <summary>True when <c>vectors</c> is a map name → params; false for one unnamed vector (or none).</summary>
    public bool NamedVectors { get; }

    public IReadOnlyList<VectorSpec> Vectors { get; }

    public int ShardNumber => JsonNumber.TryGetInt64(Params["shard_number"], out var n) ? (int)n : 1;

    private JsonObject Params { get; }

    private JsonObject Hnsw { get; }

    private JsonObject Optimizer { get; }

    private JsonObject Wal { get; }

    private JsonNode? Quantization { get; }

    private JsonNode? StrictMode { get; }

    private JsonNode? Metadata { get; }

    public Guid Uuid { get; }

    /// <summary>The <c>vectors</c> part of <c>params</c>, as Qdrant echoes it; compared on snapshot recovery.</summary>
    public JsonNode VectorsJson => Params["vectors"]!;

    public int IndexOfVector(string? name)
    {
        var wanted = name ?? string.Empty;
        for (var i = 0; i < Vectors.Count; i++)
        {
            if (Vectors[i].Name == wanted)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Parses a <c>CreateCollection</c> request body (validation errors → 422, shape errors → 400).</summary>
    public static CollectionConfig FromCreateRequest(JsonObject body)
    {
        var parameters = new JsonObject();
        var (named, vectors, vectorsJson) = ParseVectors(body["vectors"]);
        parameters["vectors"] = vectorsJson;
        parameters["shard_number"] = PositiveInt(body, "shard_number", 1);
        if (body["sharding_method"] is JsonNode sharding)
        {
            var method = sharding.GetValueKind() == JsonValueKind.String ? sharding.GetValue<string>() : null;
            if (method is not ("auto" or "custom"))
            {
                throw QdrantApiException.JsonFormat("unknown variant for sharding_method, expected `auto` or `custom`");
            }

            if (method == "custom")
            {
                throw new QdrantApiException(400, "Bad request: the emulator does not support custom sharding");
            }

            parameters["sharding_method"] = method;
        }

        parameters["replication_factor"] = PositiveInt(body, "replication_factor", 1);
        parameters["write_consistency_factor"] = PositiveInt(body, "write_consistency_factor", 1);
        parameters["on_disk_payload"] = body["on_disk_payload"]?.DeepClone() ?? true;
        if (body["sparse_vectors"] is JsonObject sparse)
        {
            parameters["sparse_vectors"] = sparse.DeepClone();
        }

        return new CollectionConfig(named, vectors, parameters,
            Overlay(DefaultHnsw(), body["hnsw_config"]),
            Overlay(DefaultOptimizer(), body["optimizers_config"]),
            Overlay(DefaultWal(), body["wal_config"]),
            body["quantization_config"]?.DeepClone(),
            body["strict_mode_config"]?.DeepClone(),
            body["metadata"]?.DeepClone(),
            Guid.NewGuid());
    }

    /// <summary>Parses a snapshot's <c>config.json</c> (the shape written by <see cref="ToInternalJson"/>).</summary>
    public static CollectionConfig FromInternalJson(JsonObject config)
    {
        if (config["params"] is not JsonObject parameters)
        {
            throw new FormatException("config.json has no params object");
        }

        var (named, vectors, vectorsJson) = ParseVectors(parameters["vectors"]);
        var copy = (JsonObject)parameters.DeepClone();
        copy["vectors"] = vectorsJson;
        copy["shard_number"] ??= 1;
        copy["replication_factor"] ??= 1;
        copy["write_consistency_factor"] ??= 1;
        var uuid = config["uuid"] is JsonValue u && Guid.TryParse(u.GetValue<string>(), out var g) ? g : Guid.NewGuid();
        return new CollectionConfig(named, vectors, copy,
            Overlay(DefaultHnsw(), config["hnsw_config"]),
            Overlay(DefaultOptimizer(), config["optimizer_config"]),
            Overlay(DefaultWal(), config["wal_config"]),
            config["quantization_config"]?.DeepClone(),
            config["strict_mode_config"]?.DeepClone(),
            config["metadata"]?.DeepClone(),
            uuid);
    }

    /// <summary>Builds a config for seeding (one unnamed vector).</summary>
    public static CollectionConfig ForSeed(int dimensions, string distance, int shards) =>
        FromCreateRequest(new JsonObject
        {
            ["vectors"] = new JsonObject { ["size"] = dimensions, ["distance"] = distance },
            ["shard_number"] = shards,
        });

    /// <summary><c>CollectionConfig</c> as returned in collection info.</summary>
    public JsonObject ToInfoJson()
    {
        var result = new JsonObject
        {
            ["params"] = Params.DeepClone(),
            ["hnsw_config"] = Hnsw.DeepClone(),
            ["optimizer_config"] = Optimizer.DeepClone(),
            ["wal_config"] = Wal.DeepClone(),
            ["quantization_config"] = Quantization?.DeepClone(),
            ["strict_mode_config"] = StrictMode?.DeepClone() ?? new JsonObject { ["enabled"] = false },
        };
        if (Metadata is not null)
        {
            result["metadata"] = Metadata.DeepClone();
        }

        return result;
    }

    /// <summary><c>CollectionConfigInternal</c> as stored in a snapshot's <c>config.json</c> (info shape + uuid).</summary>
    public JsonObject ToInternalJson()
    {
        var result = ToInfoJson();
        result["uuid"] = Uuid.ToString();
        return result;
    }

    private static (bool Named, IReadOnlyList<VectorSpec> Specs, JsonNode Json) ParseVectors(JsonNode? vectors)
    {
        if (vectors is null)
        {
            // A collection without dense vectors is legal in Qdrant (sparse-only); it echoes an empty map.
            return (true, [], new JsonObject());
        }

        if (vectors is not JsonObject obj)
        {
            throw QdrantApiException.JsonFormat("data did not match any variant of untagged enum VectorsConfig");
        }

        if (obj.ContainsKey("size") || obj.ContainsKey("distance"))
        {
            var spec = ParseVectorParams(string.Empty, obj);
            return (false, [spec], spec.Params.DeepClone());
        }

        var specs = new List<VectorSpec>();
        var json = new JsonObject();
        foreach (var (name, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (value is not JsonObject vp)
            {
                throw QdrantApiException.JsonFormat("data did not match any variant of untagged enum VectorsConfig");
            }

            var spec = ParseVectorParams(name, vp);
            specs.Add(spec);
            json[name] = spec.Params.DeepClone();
        }

        return (true, specs, json);
    }

    private static VectorSpec ParseVectorParams(string name, JsonObject vp)
    {
        if (!JsonNumber.TryGetInt64(vp["size"], out var size))
        {
            throw QdrantApiException.JsonFormat("missing field `size`");
        }

        if (vp["distance"] is not JsonValue distanceValue || distanceValue.GetValueKind() != JsonValueKind.String)
        {
            throw QdrantApiException.JsonFormat("missing field `distance`");
        }

        var distanceText = distanceValue.GetValue<string>();
        if (!Enum.TryParse<Distance>(distanceText, ignoreCase: false, out var distance) || !Enum.IsDefined(distance))
        {
            throw QdrantApiException.JsonFormat(
                $"unknown variant `{distanceText}`, expected one of `Cosine`, `Euclid`, `Dot`, `Manhattan`");
        }

        var field = name.Length == 0 ? "vectors.size" : $"vectors.{name}.size";
        if (size < 1 || size > 65536)
        {
            throw QdrantApiException.Validation("JSON body", $"{field}: value {size} invalid, must be from 1 to 65536");
        }

        var copy = (JsonObject)vp.DeepClone();
        copy["size"] = size;
        return new VectorSpec(name, (int)size, distance, copy);
    }

    private static int PositiveInt(JsonObject body, string field, int fallback)
    {
        var node = body[field];
        if (node is null)
        {
            return fallback;
        }

        if (!JsonNumber.TryGetInt64(node, out var value) || value < 0 || value > uint.MaxValue)
        {
            throw QdrantApiException.JsonFormat($"invalid value for `{field}`, expected u32");
        }

        if (value < 1)
        {
            throw QdrantApiException.Validation("JSON body", $"{field}: value {value} invalid, must be 1 or larger");
        }

        return (int)value;
    }

    private static JsonObject Overlay(JsonObject defaults, JsonNode? overrides)
    {
        if (overrides is JsonObject o)
        {
            foreach (var (key, value) in o)
            {
                defaults[key] = value?.DeepClone();
            }
        }

        return defaults;
    }

    private static JsonObject DefaultHnsw() => new()
    {
        ["m"] = 16,
        ["ef_construct"] = 100,
        ["full_scan_threshold"] = 10000,
        ["max_indexing_threads"] = 0,
        ["on_disk"] = false,
    };

    private static JsonObject DefaultOptimizer() => new()
    {
        ["deleted_threshold"] = 0.2,
        ["vacuum_min_vector_number"] = 1000,
        ["default_segment_number"] = 0,
        ["max_segment_size"] = null,
        ["memmap_threshold"] = null,
        ["indexing_threshold"] = 10000,
        ["flush_interval_sec"] = 5,
        ["max_optimization_threads"] = null,
    };

    private static JsonObject DefaultWal() => new()
    {
        ["wal_capacity_mb"] = 32,
        ["wal_segments_ahead"] = 0,
        ["wal_retain_closed"] = 1,
    };
}
