using System.Globalization;
using System.Text.RegularExpressions;

namespace VectorDR.Operator.Scheduling;

/// <summary>Durations as the CRD writes them (1h30m, 15m, 2d) and as people read them back.</summary>
public static partial class DurationText
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text) || !Whole().IsMatch(text)) return false;
        foreach (Match m in Part().Matches(text))
        {
            if (!long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > 100_000_000) return false;
            duration += m.Groups[2].Value switch
            {
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                _ => TimeSpan.FromDays(n),
            };
        }
        return duration > TimeSpan.Zero;
    }

    /// <summary>2d3h, 1h5m, 42s: the two largest units, for messages.</summary>
    public static string Format(TimeSpan span)
    {
        if (span < TimeSpan.Zero) span = -span;
        if (span.TotalDays >= 1) return $"{(int)span.TotalDays}d{(span.Hours > 0 ? $"{span.Hours}h" : "")}";
        if (span.TotalHours >= 1) return $"{(int)span.TotalHours}h{(span.Minutes > 0 ? $"{span.Minutes}m" : "")}";
        if (span.TotalMinutes >= 1) return $"{(int)span.TotalMinutes}m{(span.Seconds > 0 ? $"{span.Seconds}s" : "")}";
        return $"{(int)span.TotalSeconds}s";
    }

    [GeneratedRegex("^([0-9]+(s|m|h|d))+$")]
    private static partial Regex Whole();

    [GeneratedRegex("([0-9]+)(s|m|h|d)")]
    private static partial Regex Part();
}
