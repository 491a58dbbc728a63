using System.Text;
using VectorDR.KubeEmulator.Jobs;

namespace VectorDR.KubeEmulator.Tests;

/// <summary>The runner's pure parts: image matching, $(VAR) expansion, back-off, log tails.</summary>
public sealed class JobRunnerUnitTests
{
    [Theory]
    [InlineData("ghcr.io/vectordr/vectordr", "/bin/untagged")]
    [InlineData("ghcr.io/vectordr/vectordr:0.2.0", "/bin/untagged")]
    [InlineData("ghcr.io/vectordr/vectordr:0.1.0", "/bin/tagged")]
    [InlineData("ghcr.io/vectordr/vectordr@sha256:abc", "/bin/untagged")]
    [InlineData("localhost:5000/tools:1", "/bin/port")]
    [InlineData("localhost:5000/tools", "/bin/port")]
    [InlineData("ghcr.io/pinned/tool:2.0", null)]
    [InlineData("ghcr.io/other/image", null)]
    public void Images_match_exactly_first_then_without_tag_or_digest(string image, string? expected)
    {
        var map = new ImageMap(new Dictionary<string, string>
        {
            ["ghcr.io/vectordr/vectordr"] = "/bin/untagged",
            ["ghcr.io/vectordr/vectordr:0.1.0"] = "/bin/tagged",
            ["localhost:5000/tools"] = "/bin/port",
            ["ghcr.io/pinned/tool:1.0"] = "/bin/pinned",
        });
        Assert.Equal(expected, map.Resolve(image));
    }

    [Fact]
    public void Commands_resolve_through_the_map_the_image_entrypoint_absolute_paths_and_PATH()
    {
        var map = new ImageMap(new Dictionary<string, string> { ["tool"] = "/opt/tool" });
        Assert.Equal("/opt/tool", map.ResolveCommand("tool", null, null));
        Assert.Equal("/work/bin/vectordr", map.ResolveCommand("/usr/local/bin/vectordr", "/work/bin/vectordr", null));
        Assert.Equal("/bin/sh", map.ResolveCommand("/bin/sh", null, null));
        Assert.Equal("/bin/sh", map.ResolveCommand("sh", null, "/nonexistent:/bin"));
        Assert.Null(map.ResolveCommand("no-such-command-here", null, "/bin"));
        Assert.Null(map.ResolveCommand("/no/such/file", null, null));
    }

    [Theory]
    [InlineData("$(A)-$(B)", "1-two")]
    [InlineData("$$(A)", "$(A)")]
    [InlineData("$$$$", "$$")]
    [InlineData("$(MISSING) $(A", "$(MISSING) $(A")]
    [InlineData("cost: $5 $", "cost: $5 $")]
    public void Variable_references_expand_as_in_Kubernetes(string input, string expected) =>
        Assert.Equal(expected, ContainerConfigResolver.Expand(input, new Dictionary<string, string> { ["A"] = "1", ["B"] = "two" }));

    [Theory]
    [InlineData("/data", "/tmp/d")]
    [InlineData("/data/x/y", "/tmp/d/x/y")]
    [InlineData("--dir=/data/x", "--dir=/tmp/d/x")]
    [InlineData("echo a > \"/data/f\"; cat /data", "echo a > \"/tmp/d/f\"; cat /tmp/d")]
    [InlineData("/database /mnt/data /data2", "/database /mnt/data /data2")]
    [InlineData("/data/cache/z", "/tmp/c/z")]
    [InlineData("file:///data/x", "file:///tmp/d/x")]
    [InlineData("s3://b/data x//data", "s3://b/data x//data")]
    public void Volume_mount_paths_map_as_whole_path_prefixes(string input, string expected) =>
        Assert.Equal(expected, PathMapping.Apply(input, [("/data", "/tmp/d"), ("/data/cache", "/tmp/c")]));

    [Theory]
    [InlineData("/etc/ca/ca.crt", "/tmp/pod/volumes/ca/ca.crt")]
    [InlineData("/tmp/x /etc/ca", "/tmp/pod/volumes/tmp/x /tmp/pod/volumes/ca")]
    public void A_mapped_path_is_not_mapped_again_when_the_pod_also_mounts_tmp(string input, string expected) =>
        Assert.Equal(expected, PathMapping.Apply(input, [("/tmp", "/tmp/pod/volumes/tmp"), ("/etc/ca", "/tmp/pod/volumes/ca")]));

    [Fact]
    public void Backoff_doubles_and_is_capped()
    {
        var initial = TimeSpan.FromSeconds(10);
        var max = TimeSpan.FromMinutes(6);
        Assert.Equal([10, 20, 40, 80, 160, 320, 360, 360],
            Enumerable.Range(0, 8).Select(n => PodWorker.Backoff(initial, max, n).TotalSeconds).ToArray());
    }

    [Fact]
    public void Log_keeps_about_the_last_limit_bytes_and_serves_tails()
    {
        var directory = Path.Combine(Path.GetTempPath(), "kemu-log-" + Guid.NewGuid().ToString("N"));
        try
        {
            var log = new ContainerLog(directory, limit: 100);
            for (var i = 0; i < 50; i++)
            {
                log.Append(Encoding.UTF8.GetBytes($"line{i:00}\n"));
            }

            var (data, end) = log.ReadFrom(0);
            Assert.Equal(350, end);
            var text = Encoding.UTF8.GetString(data);
            Assert.EndsWith("line49\n", text);
            Assert.InRange(data.Length, 50, 100);
            Assert.Equal("line48\nline49\n", Encoding.UTF8.GetString(ContainerLog.TailLines(data, 2)));
            Assert.Equal("line49\n", Encoding.UTF8.GetString(log.ReadFrom(343).Data));
            Assert.True(log.WaitForChangeAsync(0, CancellationToken.None).IsCompleted);
            Assert.False(log.WaitForChangeAsync(350, CancellationToken.None).IsCompleted);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
