using System.CommandLine;
using System.Globalization;
using VectorDR.Cli.Output;
using VectorDR.Engine.Repository;

namespace VectorDR.Cli.Commands;

internal static class ListCommand
{
    public static Command Create(CliContext context)
    {
        var location = Connections.LocationArgument();
        var command = new Command("list", "List the committed backups in a location, oldest first") { location };
        command.WithCommonOptions();
        command.SetRunner(context, async (parse, scope, cancellationToken) =>
        {
            await using var store = await Connections.OpenStoreAsync(parse.GetValue(location)!, forWriting: false, scope.Loggers, cancellationToken);
            var manifests = await new BackupRepository(store).ListAsync(cancellationToken);
            var rows = manifests.Select(m => new
            {
                id = m.BackupId,
                completedAt = m.CompletedAt,
                policy = m.Policy,
                collections = m.Collections.Select(c => c.Name).ToArray(),
                points = m.TotalPoints,
                sizeBytes = m.TotalSizeBytes,
                qdrantVersion = m.Source.QdrantVersion,
            }).ToList();
            return new CommandOutcome(new { succeeded = true, location = store.DisplayLocation, backups = rows }, ExitCodes.Success, w =>
            {
                if (rows.Count == 0)
                {
                    w.WriteLine($"No committed backup in {store.DisplayLocation}");
                    return;
                }
                w.WriteLine($"{"ID",-24} {"COMPLETED (UTC)",-20} {"POINTS",12} {"SIZE",11}  COLLECTIONS");
                foreach (var r in rows)
                    w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{r.id,-24} {r.completedAt.UtcDateTime,-20:yyyy-MM-dd HH:mm:ss} {r.points,12} {Bytes.Format(r.sizeBytes),11}  {string.Join(",", r.collections)}"));
            });
        });
        return command;
    }
}
