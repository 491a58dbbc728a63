namespace VectorDR.Operator.Tests.Manifests;

internal static class RepoPaths
{
    /// <summary>The repository root: the first parent of the test binaries holding Operator.sln.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        // Build output may live outside the tree (VDR_BUILD_DIR); fall back to the source file's location.
        foreach (var start in new[] { AppContext.BaseDirectory, SourceDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Operator.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("Operator.sln not found above the test binaries or sources.");
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
