using System.Diagnostics;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace VectorDR.KubeEmulator.Tests;

/// <summary>
/// The real kubectl (the oldest and the newest versioned binaries found beside the system kubectl) against the emulator:
/// apply (create and re-apply), get (table), get -o yaml, describe, explain, wait, delete.
/// </summary>
public sealed class KubectlTests(ITestOutputHelper output) : EmulatorTestBase
{
    public static TheoryData<string> Versions()
    {
        var data = new TheoryData<string>();
        foreach (var binary in KubectlBinaries.OldestAndNewest())
        {
            data.Add(binary);
        }

        if (data.Count == 0)
        {
            data.Add("");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Kubectl_manages_custom_resources_and_configuration_end_to_end(string kubectl)
    {
        if (kubectl.Length == 0)
        {
            output.WriteLine("SKIPPED: no kubectl binary found (looked for kubectl.1.* beside the kubectl on PATH, and kubectl itself)");
            return;
        }

        using var work = new TempDirectory();
        var run = new KubectlRunner(kubectl, Host.WriteKubeconfig(Path.Combine(work.Path, "kubeconfig")), Path.Combine(work.Path, "cache"), output);
        output.WriteLine((await run.Ok("version", "--client")).StdOut);

        Assert.Contains("customresourcedefinition.apiextensions.k8s.io/widgets.test.vectordr.io created", (await run.Ok("apply", "-f", TestData("widgets-crd.yaml"))).StdOut);
        Assert.Contains("condition met", (await run.Ok("wait", "--for=condition=Established", "crd/widgets.test.vectordr.io", "--timeout=20s")).StdOut);
        var created = (await run.Ok("apply", "-f", TestData("widgets.yaml"))).StdOut;
        Assert.Contains("widget.test.vectordr.io/alpha created", created);
        Assert.Contains("widget.test.vectordr.io/beta created", created);
        var config = (await run.Ok("apply", "-f", TestData("config.yaml"))).StdOut;
        Assert.Contains("configmap/settings created", config);
        Assert.Contains("secret/creds created", config);

        // Re-apply changed manifests: merge patch for the custom resource, strategic merge patch for the ConfigMap/Secret.
        var changedWidgets = work.Write("widgets.yaml", File.ReadAllText(TestData("widgets.yaml")).Replace("size: 3", "size: 4", StringComparison.Ordinal));
        var reapplied = (await run.Ok("apply", "-f", changedWidgets)).StdOut;
        Assert.Contains("widget.test.vectordr.io/alpha configured", reapplied);
        Assert.Contains("widget.test.vectordr.io/beta unchanged", reapplied);
        var changedConfig = work.Write("config.yaml", File.ReadAllText(TestData("config.yaml"))
            .Replace("b: \"2\"", "b: \"22\"", StringComparison.Ordinal).Replace("s3cret", "changed", StringComparison.Ordinal));
        var reconfigured = (await run.Ok("apply", "-f", changedConfig)).StdOut;
        Assert.Contains("configmap/settings configured", reconfigured);
        Assert.Contains("secret/creds configured", reconfigured);
        var (_, alpha) = await SendAsync(HttpMethod.Get, $"{Widgets}/alpha");
        Assert.Equal(4, alpha["spec"]!["size"]!.GetValue<long>());
        Assert.Equal(2, alpha["metadata"]!["generation"]!.GetValue<long>());
        var (_, settings) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps/settings");
        Assert.Equal("22", settings["data"]!["b"]!.GetValue<string>());
        Assert.Equal("1", settings["data"]!["a"]!.GetValue<string>());
        Assert.Equal("changed", (await run.Ok("get", "secret", "creds", "-o", "jsonpath={.data.password}")).StdOut.FromBase64());

        var table = (await run.Ok("get", "widgets")).StdOut;
        Assert.Matches(@"NAME\s+SIZE\s+MODE\s+READY\s+AGE", table);
        Assert.Matches(@"alpha\s+4\s+Fast", table);
        Assert.Matches(@"beta\s+5\s+Slow", table);
        Assert.Matches(@"NAMESPACE\s+NAME\s+SIZE", (await run.Ok("get", "wd", "-A")).StdOut);

        var yaml = (await run.Ok("get", "widget", "alpha", "-o", "yaml")).StdOut;
        Assert.Contains("size: 4", yaml);
        Assert.Contains("keepLast: 7", yaml);
        Assert.Contains("kubectl.kubernetes.io/last-applied-configuration", yaml);

        var described = (await run.Ok("describe", "widget", "alpha")).StdOut;
        Assert.Matches(@"Name:\s+alpha", described);
        Assert.Matches(@"Size:\s+4", described);

        var explained = (await run.Ok("explain", "widgets.spec")).StdOut;
        Assert.Contains("Desired state of the widget.", explained);
        Assert.Contains("Number of parts in the widget.", explained);
        Assert.Contains("How many to keep.", (await run.Ok("explain", "widget.spec.retention.keepLast")).StdOut);

        var invalid = await run.Run("apply", "-f", work.Write("bad.yaml", "apiVersion: test.vectordr.io/v1alpha1\nkind: Widget\nmetadata:\n  name: bad\nspec:\n  size: -1\n"));
        Assert.NotEqual(0, invalid.ExitCode);
        Assert.Contains("spec.size: Invalid value: -1: spec.size in body should be greater than or equal to 0", invalid.StdErr);

        var waiting = run.Run("wait", "--for=condition=Ready", "widget/alpha", "--timeout=30s");
        await Task.Delay(TimeSpan.FromSeconds(1));
        var (statusCode, _) = await SendAsync(HttpMethod.Patch, $"{Widgets}/alpha/status",
            JsonNode.Parse("""{"status":{"conditions":[{"type":"Ready","status":"True","reason":"Done","message":"ok","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}"""),
            "application/merge-patch+json");
        Assert.Equal(200, statusCode);
        var waited = await waiting;
        Assert.True(waited.ExitCode == 0, waited.StdErr);
        Assert.Contains("condition met", waited.StdOut);

        // Generator commands use typed clients (protobuf request bodies from kubectl 1.33 on).
        Assert.Contains("namespace/tools created", (await run.Ok("create", "namespace", "tools")).StdOut);
        Assert.Contains("secret/token created", (await run.Ok("create", "secret", "generic", "token", "-n", "tools", "--from-literal=key=value")).StdOut);
        Assert.Contains("configmap/flags created", (await run.Ok("create", "configmap", "flags", "-n", "tools", "--from-literal=on=yes")).StdOut);
        Assert.Equal("value", (await run.Ok("get", "secret", "token", "-n", "tools", "-o", "jsonpath={.data.key}")).StdOut.FromBase64());
        Assert.Contains("deleted", (await run.Ok("delete", "namespace", "tools")).StdOut);

        var deleted = (await run.Ok("delete", "-f", changedWidgets)).StdOut;
        Assert.Contains("widget.test.vectordr.io \"alpha\" deleted", deleted);
        Assert.Contains("No resources found", (await run.Ok("get", "widgets")).StdErr);
        Assert.Contains("deleted", (await run.Ok("delete", "-f", changedConfig)).StdOut);
        Assert.Contains("deleted", (await run.Ok("delete", "crd", "widgets.test.vectordr.io")).StdOut);
    }

    [Fact]
    public async Task Kubectl_applies_every_VectorDR_CRD_in_the_repository()
    {
        var kubectl = KubectlBinaries.OldestAndNewest().LastOrDefault();
        var crdDirectory = RepositoryCrds();
        var files = crdDirectory is null ? [] : Directory.GetFiles(crdDirectory, "*.yaml");
        if (kubectl is null || files.Length == 0)
        {
            output.WriteLine($"SKIPPED: {(kubectl is null ? "no kubectl binary found" : "no crds/*.yaml in the repository yet")}");
            return;
        }

        using var work = new TempDirectory();
        var run = new KubectlRunner(kubectl, Host.WriteKubeconfig(Path.Combine(work.Path, "kubeconfig")), Path.Combine(work.Path, "cache"), output);
        foreach (var file in files)
        {
            Assert.Contains("created", (await run.Ok("apply", "-f", file)).StdOut);
        }

        Assert.Contains("condition met", (await run.Ok("wait", "--for=condition=Established", "crd", "--all", "--timeout=20s")).StdOut);
    }

    private static string? RepositoryCrds()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Operator.sln")))
            {
                var crds = Path.Combine(directory.FullName, "crds");
                return Directory.Exists(crds) ? crds : null;
            }
        }

        return null;
    }
}

/// <summary>Finds kubectl binaries: kubectl.1.NN beside the kubectl on PATH (oldest and newest), else kubectl itself.</summary>
internal static class KubectlBinaries
{
    public static IReadOnlyList<string> OldestAndNewest()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "kubectl")).FirstOrDefault(File.Exists);
        if (onPath is null)
        {
            return [];
        }

        var resolved = new FileInfo(onPath).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? onPath;
        var versioned = Directory.GetFiles(Path.GetDirectoryName(resolved)!, "kubectl.1.*")
            .Select(f => (Path: f, Minor: int.TryParse(Path.GetFileName(f)["kubectl.1.".Length..], out var minor) ? minor : -1))
            .Where(v => v.Minor >= 0)
            .OrderBy(v => v.Minor)
            .ToList();
        return versioned.Count switch
        {
            0 => [onPath],
            1 => [versioned[0].Path],
            _ => [versioned[0].Path, versioned[^1].Path],
        };
    }
}

internal sealed record KubectlResult(int ExitCode, string StdOut, string StdErr);

/// <summary>Runs kubectl with an isolated kubeconfig and discovery cache.</summary>
internal sealed class KubectlRunner(string binary, string kubeconfig, string cacheDirectory, ITestOutputHelper output)
{
    public async Task<KubectlResult> Ok(params string[] args)
    {
        var result = await Run(args);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', args)} failed ({result.ExitCode}): {result.StdErr}");
        return result;
    }

    public async Task<KubectlResult> Run(params string[] args)
    {
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.ArgumentList.Add("--kubeconfig=" + kubeconfig);
        start.ArgumentList.Add("--cache-dir=" + cacheDirectory);
        start.Environment["HOME"] = Path.GetDirectoryName(kubeconfig)!;
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }

        var result = new KubectlResult(process.ExitCode, await stdout, await stderr);
        output.WriteLine($"$ {Path.GetFileName(binary)} {string.Join(' ', args)} → {result.ExitCode}\n{result.StdOut}{result.StdErr}");
        return result;
    }
}

internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kemu-" + Guid.NewGuid().ToString("N"));

    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Write(string name, string content)
    {
        var file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, content);
        return file;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

internal static class StringExtensions
{
    public static string FromBase64(this string value) => System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(value.Trim()));
}
