using System.Numerics;
using System.Runtime.InteropServices;

namespace VectorDR.QdrantEmulator.Model;

internal enum Distance
{
    Cosine,
    Euclid,
    Dot,
    Manhattan,
}

/// <summary>Exact scoring as Qdrant reports it: similarity for Cosine/Dot (higher is better), distance for Euclid/Manhattan (lower is better).</summary>
internal static class Scoring
{
    public static bool HigherIsBetter(Distance distance) => distance is Distance.Cosine or Distance.Dot;

    public static float Score(Distance distance, ReadOnlySpan<float> query, ReadOnlySpan<float> stored) => distance switch
    {
        // Cosine vectors are normalised on insert (as Qdrant does), so cosine similarity is a dot product.
        Distance.Cosine or Distance.Dot => Dot(query, stored),
        Distance.Euclid => MathF.Sqrt(SquaredEuclid(query, stored)),
        Distance.Manhattan => Manhattan(query, stored),
        _ => throw new ArgumentOutOfRangeException(nameof(distance)),
    };

    /// <summary>
    /// Qdrant stores Cosine vectors normalised. Normalises in place (callers pass arrays they own; no second
    /// allocation per point) and returns the same array; zero vectors stay zero.
    /// </summary>
    public static float[] NormalizeInPlace(float[] vector)
    {
        var norm = MathF.Sqrt(Dot(vector, vector));
        if (norm is 0 || float.IsNaN(norm))
        {
            return vector;
        }

        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] /= norm;
        }

        return vector;
    }

    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var length = Math.Min(a.Length, b.Length);
        var sum = Vector<float>.Zero;
        var i = 0;
        var va = MemoryMarshal.Cast<float, Vector<float>>(a[..length]);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b[..length]);
        for (var k = 0; k < va.Length; k++)
        {
            sum += va[k] * vb[k];
        }

        i = va.Length * Vector<float>.Count;
        var total = Vector.Sum(sum);
        for (; i < length; i++)
        {
            total += a[i] * b[i];
        }

        return total;
    }

    private static float SquaredEuclid(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var length = Math.Min(a.Length, b.Length);
        var sum = Vector<float>.Zero;
        var va = MemoryMarshal.Cast<float, Vector<float>>(a[..length]);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b[..length]);
        for (var k = 0; k < va.Length; k++)
        {
            var d = va[k] - vb[k];
            sum += d * d;
        }

        var total = Vector.Sum(sum);
        for (var i = va.Length * Vector<float>.Count; i < length; i++)
        {
            var d = a[i] - b[i];
            total += d * d;
        }

        return total;
    }

    private static float Manhattan(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var length = Math.Min(a.Length, b.Length);
        var total = 0f;
        for (var i = 0; i < length; i++)
        {
            total += MathF.Abs(a[i] - b[i]);
        }

        return total;
    }
}
