using VectorDR.Operator.Generation;

namespace VectorDR.Operator.Tests.Manifests;

public sealed class GeneratedManifestsTests
{
    [Fact]
    public void Committed_crds_and_config_match_the_CSharp_types()
    {
        var stale = new List<string>();
        foreach (var (relative, expected) in ManifestGenerator.Generate())
        {
            var path = Path.Combine(RepoPaths.Root, relative);
            if (!File.Exists(path) || File.ReadAllText(path).ReplaceLineEndings("\n") != expected.ReplaceLineEndings("\n")) stale.Add(relative);
        }
        Assert.True(stale.Count == 0, "Stale generated files (run `make crds`): " + string.Join(", ", stale));
    }

    [Fact]
    public void No_stray_generated_files()
    {
        var generated = ManifestGenerator.Generate().Keys.ToHashSet();
        var onDisk = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "crds"), "*.yaml")
            .Concat(Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "config"), "*.yaml", SearchOption.AllDirectories))
            .Concat(Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "charts", "vectordr-operator", "templates", "crds")))
            .Select(p => Path.GetRelativePath(RepoPaths.Root, p).Replace('\\', '/'))
            .Where(p => !p.StartsWith("config/samples/", StringComparison.Ordinal))
            .Where(p => !generated.Contains(p))
            .ToList();
        Assert.True(onDisk.Count == 0, "Files under crds/, config/ or the chart's templates/crds/ no generator writes: " + string.Join(", ", onDisk));
    }

    [Fact]
    public void Generation_is_deterministic() =>
        Assert.Equal(ManifestGenerator.Generate(), ManifestGenerator.Generate());
}
