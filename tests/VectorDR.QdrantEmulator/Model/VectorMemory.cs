namespace VectorDR.QdrantEmulator.Model;

/// <summary>
/// Allocates stored vectors on the pinned object heap. Vectors live as long as their collection, and on the normal
/// heap every one of them would be copied twice while being promoted gen0 → gen1 → gen2, which for a multi-GiB
/// collection dominates seeding and recovery time. POH objects are never moved, so they skip that copying.
/// </summary>
internal static class VectorMemory
{
    public static float[] Allocate(int dimensions) => GC.AllocateUninitializedArray<float>(dimensions, pinned: true);
}
