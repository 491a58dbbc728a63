using System.Diagnostics;
using System.Text.RegularExpressions;
using k8s;
using VectorDR.Operator.Tests.Manifests;

namespace VectorDR.Operator.Tests.Chart;

/// <summary>
/// Runs the helm binary on charts/vectordr-operator. `make test` installs it (build/tools/get-helm.sh) and names it in
/// VDR_HELM; without that variable .tools/bin/helm is used. A missing helm fails the tests rather than skipping them.
/// </summary>
internal static partial class Helm
{
    public const string ReleaseName = "vectordr-operator";
    public const string ReleaseNamespace = "vectordr-system";

    public static string ChartFolder => Path.Combine(RepoPaths.Root, "charts", "vectordr-operator");

    private static string Binary
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("VDR_HELM") is { Length: > 0 } named ? named : Path.Combine(RepoPaths.Root, ".tools", "bin", "helm");
            if (!File.Exists(path)) throw new InvalidOperationException($"helm not found at {path}: run build/tools/get-helm.sh (make test does)");
            return path;
        }
    }

    private static readonly Lazy<RenderedChart> DefaultRender = new(() => TemplateIn(ReleaseNamespace));

    /// <summary>The chart rendered with its default values: the same for every test, so rendered once.</summary>
    public static RenderedChart Defaults => DefaultRender.Value;

    public static RenderedChart Template(params string[] sets) => TemplateIn(ReleaseNamespace, sets);

    public static RenderedChart TemplateIn(string releaseNamespace, params string[] sets)
    {
        var result = Run(TemplateArguments(releaseNamespace, sets));
        Assert.True(result.ExitCode == 0, $"helm template failed: {result.Error}");
        return new RenderedChart(result.Output);
    }

    /// <summary>helm template with values that must be refused; returns what helm said.</summary>
    public static string Refused(params string[] sets)
    {
        var result = Run(TemplateArguments(ReleaseNamespace, sets));
        Assert.True(result.ExitCode != 0, $"helm accepted {string.Join(" ", sets)}");
        return result.Error;
    }

    /// <summary>Each value as helm's <c>--set NAME=VALUE</c>.</summary>
    public static IEnumerable<string> SetArguments(IEnumerable<string> sets) => sets.SelectMany(s => new[] { "--set", s });

    private static string[] TemplateArguments(string releaseNamespace, string[] sets) =>
        ["template", ReleaseName, ChartFolder, "--namespace", releaseNamespace, .. SetArguments(sets)];

    public static (int ExitCode, string Output, string Error) Run(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // Its own folders, so the tests neither read nor write the developer's helm configuration and cache.
        var home = Path.Combine(Path.GetTempPath(), "vdr-helm-home");
        start.Environment["HELM_CONFIG_HOME"] = Path.Combine(home, "config");
        start.Environment["HELM_CACHE_HOME"] = Path.Combine(home, "cache");
        start.Environment["HELM_DATA_HOME"] = Path.Combine(home, "data");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("helm did not finish in 2 minutes");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>The objects `helm template` printed, each with its kind, name and namespace, and typed on demand.</summary>
    public sealed class RenderedChart(string output)
    {
        public IReadOnlyList<Document> Documents { get; } = DocumentSeparator().Split(output)
            .Select(text => text.Trim())
            .Where(text => KindLine().IsMatch(text))
            .Select(text => new Document(text))
            .ToList();

        public IEnumerable<Document> OfKind(string kind) => Documents.Where(d => d.Kind == kind);

        public T Single<T>(string kind, string? name = null) =>
            Assert.Single(OfKind(kind), d => name is null || d.Name == name).As<T>();

        public IEnumerable<(string Kind, string Name, string? Namespace)> Objects => Documents.Select(d => (d.Kind, d.Name, d.Namespace));
    }

    public sealed class Document(string text)
    {
        public string Text => text;
        public string Kind { get; } = KindLine().Match(text).Groups[1].Value;
        public string Name { get; } = MetadataField(text, "name")!;
        public string? Namespace { get; } = MetadataField(text, "namespace");

        public T As<T>() => KubernetesYaml.Deserialize<T>(text, strict: true);

        private static string? MetadataField(string text, string field)
        {
            var metadata = Regex.Match(text, @"^metadata:\n((?:[ ]{2}.*\n?)*)", RegexOptions.Multiline).Groups[1].Value;
            var match = Regex.Match(metadata, $@"^  {field}: ""?([^""\n]+)""?$", RegexOptions.Multiline);
            return match.Success ? match.Groups[1].Value : null;
        }
    }

    [GeneratedRegex(@"^---\s*$", RegexOptions.Multiline)]
    private static partial Regex DocumentSeparator();

    [GeneratedRegex(@"^kind: (\w+)\s*$", RegexOptions.Multiline)]
    private static partial Regex KindLine();
}
