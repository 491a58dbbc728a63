namespace VectorDR.Testing;

/// <summary>
/// Locates the repository and the shared reference folder from a test's output directory, wherever the build
/// output lives (the repo's <c>.build</c>, a <c>VDR_BUILD_DIR</c>, or a CI artifacts path under the repo).
/// </summary>
public static class RepoPaths
{
    /// <summary>Marker file of the repository root.</summary>
    public const string SolutionFileName = "Operator.sln";

    /// <summary>Overrides the shared folder (e.g. on CI where it is mounted elsewhere).</summary>
    public const string SharedDirectoryVariable = "VECTORDR_SHARED_DIR";

    private static readonly Lazy<string> Root = new(() => FindRepoRoot(AppContext.BaseDirectory));

    /// <summary>The folder containing <c>Operator.sln</c>, found by walking up from <see cref="AppContext.BaseDirectory"/>.</summary>
    public static string RepoRoot => Root.Value;

    /// <summary>The shared reference folder: <c>$VECTORDR_SHARED_DIR</c>, else <c>&lt;repo&gt;/../shared</c>.</summary>
    public static string SharedDirectory =>
        Environment.GetEnvironmentVariable(SharedDirectoryVariable) is { Length: > 0 } overridden
            ? Path.GetFullPath(overridden)
            : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    /// <summary><c>shared/qdrant/openapi.json</c>: Qdrant 1.19's own OpenAPI document.</summary>
    public static string QdrantOpenApiPath => Path.Combine(SharedDirectory, "qdrant", "openapi.json");

    /// <summary>Walks up from <paramref name="start"/> to the first folder that contains <c>Operator.sln</c>.</summary>
    public static string FindRepoRoot(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFileName)))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No {SolutionFileName} found in {start} or any parent folder");
    }
}
