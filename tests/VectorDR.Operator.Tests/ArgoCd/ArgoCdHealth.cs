using System.Diagnostics;
using k8s;
using VectorDR.Operator.Tests.Manifests;

namespace VectorDR.Operator.Tests.ArgoCd;

/// <summary>
/// Evaluates config/argocd/&lt;group_Kind&gt;/health.lua on an object with lua5.1 (Argo CD runs these scripts in
/// gopher-lua, Lua 5.1 semantics). `make test` installs lua5.1 and dkjson from Debian.
/// </summary>
internal static class ArgoCdHealth
{
    public sealed record Health(string Status, string Message);

    public static Health Of(string kind, object resource)
    {
        var script = Path.Combine(RepoPaths.Root, "config", "argocd", $"dr.vectordr.io_{kind}", "health.lua");
        var runner = Path.Combine(RepoPaths.Root, "tests", "VectorDR.Operator.Tests", "ArgoCd", "run-health.lua");
        var input = Path.Combine(Path.GetTempPath(), $"vdr-health-{Guid.NewGuid():N}.json");
        File.WriteAllText(input, resource as string ?? KubernetesJson.Serialize(resource));
        try
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("VDR_LUA") is { Length: > 0 } lua ? lua : "lua5.1")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (var argument in new[] { runner, script, input }) start.ArgumentList.Add(argument);
            using var process = Process.Start(start) ?? throw new InvalidOperationException("lua5.1 did not start");
            var output = process.StandardOutput.ReadToEnd();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"{Path.GetFileName(script)} failed: {error}");
            var lines = output.Split('\n');
            return new Health(lines[0], lines[1]);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("lua5.1 not found: apt-get install lua5.1 lua-dkjson (make test does)", ex);
        }
        finally
        {
            File.Delete(input);
        }
    }
}
