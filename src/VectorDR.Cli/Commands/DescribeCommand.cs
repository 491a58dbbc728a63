using System.CommandLine;
using VectorDR.Cli.Output;
using VectorDR.Engine.Repository;

namespace VectorDR.Cli.Commands;

internal static class DescribeCommand
{
    public static Command Create(CliContext context)
    {
        var location = Connections.LocationArgument();
        var selector = new Connections.SelectorOptions();
        var command = new Command("describe", "Show what a backup holds: source, collections, parts, checksums, probes") { location };
        selector.AddTo(command, allowAt: true);
        command.WithCommonOptions();
        command.SetRunner(context, async (parse, scope, cancellationToken) =>
        {
            await using var store = await Connections.OpenStoreAsync(parse.GetValue(location)!, forWriting: false, scope.Loggers, cancellationToken);
            var m = await new BackupRepository(store).SelectAsync(selector.Read(parse), cancellationToken);
            return new CommandOutcome(new { succeeded = true, manifest = m }, ExitCodes.Success, w =>
            {
                w.WriteLine($"Backup:     {m.BackupId} (format {m.FormatVersion}, {m.CreatedBy})");
                w.WriteLine($"Location:   {store.DisplayLocation}");
                if (m.Policy is not null) w.WriteLine($"Policy:     {m.Policy}");
                w.WriteLine($"Source:     {m.Source.Url} (Qdrant {m.Source.QdrantVersion}, {m.Source.Topology})");
                w.WriteLine($"Started:    {m.StartedAt:u}");
                w.WriteLine($"Completed:  {m.CompletedAt:u} ({(m.CompletedAt - m.StartedAt).TotalSeconds:0.0} s)");
                w.WriteLine($"Size:       {Bytes.Format(m.TotalSizeBytes)}, {m.TotalPoints} points");
                foreach (var c in m.Collections)
                {
                    w.WriteLine($"Collection {c.Name}: {c.PointCount} points, shard_number {ShardNumber(c.Config)}, " +
                                $"aliases [{string.Join(", ", c.Aliases)}], {c.Probes?.Probes.Count ?? 0} probes (top {c.Probes?.TopK ?? 0})");
                    foreach (var p in c.Parts)
                        w.WriteLine($"  {p.Key}  {p.Contents}{(p.ShardId is { } s ? $" {s}" : "")}  {Bytes.Format(p.SizeBytes)}  sha256:{p.Sha256}");
                }
            });
        });
        return command;
    }

    private static int ShardNumber(System.Text.Json.JsonElement config) =>
        config.TryGetProperty("params", out var p) && p.TryGetProperty("shard_number", out var s) ? s.GetInt32() : 1;
}
