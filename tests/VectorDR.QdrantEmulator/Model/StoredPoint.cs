namespace VectorDR.QdrantEmulator.Model;

/// <summary>
/// One point as kept in memory. Immutable once stored (an upsert replaces the object), so readers such as
/// snapshot writers can hold references without locks. Vectors are compact <c>float[]</c>, indexed like
/// <see cref="CollectionConfig.Vectors"/>; a missing named vector is <c>null</c>. The payload is kept as compact
/// UTF-8 JSON bytes rather than a DOM, to keep per-point overhead small for multi-GiB collections.
/// </summary>
internal sealed class StoredPoint(PointId id, float[]?[] vectors, byte[]? payload, ulong version)
{
    public PointId Id { get; } = id;

    public float[]?[] Vectors { get; } = vectors;

    public byte[]? Payload { get; } = payload;

    public ulong Version { get; } = version;
}
