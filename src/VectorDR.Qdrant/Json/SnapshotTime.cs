using System.Globalization;

namespace VectorDR.Qdrant.Json;

/// <summary>
/// <c>creation_time</c> is naive UTC without a zone (<c>2024-01-03T13:20:11</c>, format <c>partial-date-time</c>).
/// Parsing it with the default rules would read it as local time; it must be read as UTC. An explicit zone, should a
/// future version add one, is honoured.
/// </summary>
internal static class SnapshotTime
{
    public static DateTimeOffset? Parse(string? text) =>
        !string.IsNullOrWhiteSpace(text) &&
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out var value)
            ? value
            : null;
}
