namespace VectorDR.QdrantEmulator.Http;

/// <summary>Which operations a read-only key may not perform (API-NOTES §2).</summary>
internal static class AccessRules
{
    private static readonly string[] ReadOnlyPosts = ["/points/count", "/points/scroll", "/points/query", "/points/query/batch", "/points/search", "/points"];

    public static bool RequiresWrite(string method, string path)
    {
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method))
        {
            // The shard snapshot stream builds a snapshot: Qdrant requires collection write access for it.
            return path.EndsWith("/snapshot", StringComparison.Ordinal);
        }

        if (HttpMethods.IsPost(method) && path.StartsWith("/collections/", StringComparison.Ordinal))
        {
            return !ReadOnlyPosts.Any(suffix => path.EndsWith(suffix, StringComparison.Ordinal));
        }

        return true;
    }
}
