using System.Text;
using VectorDR.QdrantEmulator;
namespace VectorDR.Qdrant.Tests.Emulator;
public sealed class ZzProbe
{
    [Fact]
    public async Task Probe()
    {
        await using var e = await QdrantEmulatorHost.StartAsync(new QdrantEmulatorOptions());
        using var h = new HttpClient { BaseAddress = e.BaseAddress };
        var sb = new StringBuilder();
        await e.SeedCollectionAsync("shard-cut", points: 3000, dimensions: 16);
        var all = await h.GetByteArrayAsync("/collections/shard-cut/shards/0/snapshot");
        sb.AppendLine($"full stream {all.Length}");
        e.Faults.CutStreamsAfterBytes(10_000);
        try
        {
            using var r = await h.GetAsync("/collections/shard-cut/shards/0/snapshot", HttpCompletionOption.ResponseHeadersRead);
            var s = await r.Content.ReadAsStreamAsync();
            var ms = new MemoryStream();
            await s.CopyToAsync(ms);
            sb.AppendLine($"cut stream read {ms.Length} status {(int)r.StatusCode} te={r.Headers.TransferEncodingChunked}");
        }
        catch (Exception ex) { sb.AppendLine("cut stream threw " + ex.GetType() + " " + ex.Message); }
        sb.AppendLine(e.Stats.RequestsTo("GET", "/collections/shard-cut/shards/0/snapshot").ToString());
        File.WriteAllText("/tmp/qclient-probe.txt", sb.ToString());
    }
}
