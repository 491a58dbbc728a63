using System.Text;

namespace VectorDR.KubeEmulator.Jobs;

/// <summary>Rewrites container paths under a volume's mountPath to the local folder standing in for the volume.</summary>
internal static class PathMapping
{
    private const string FileScheme = "file://";

    /// <summary>
    /// Replaces each occurrence of a mountPath that is a whole path prefix (followed by '/', the end, or a character that
    /// cannot continue a path segment such as a quote, space, ':' or '=') — so <c>/data</c> maps in <c>/data/x</c> and
    /// <c>--dir=/data</c> and <c>file:///data</c> (a location URL) but not in <c>/database</c>. Longer mount paths win.
    /// One pass: a replacement is never mapped again (the local folders live under /tmp, which a pod may mount too).
    /// </summary>
    public static string Apply(string value, IReadOnlyList<(string MountPath, string Local)> mappings)
    {
        if (mappings.Count == 0)
        {
            return value;
        }

        var ordered = mappings.OrderByDescending(m => m.MountPath.Length).ToList();
        var output = new StringBuilder(value.Length);
        var index = 0;
        while (index < value.Length)
        {
            var boundaryBefore = index == 0 || !IsPathCharacter(value[index - 1]) || value.AsSpan(0, index).EndsWith(FileScheme, StringComparison.Ordinal);
            var match = boundaryBefore ? ordered.FirstOrDefault(m => MountsAt(value, index, m.MountPath)) : default;
            if (match.MountPath is null)
            {
                output.Append(value[index]);
                index++;
                continue;
            }

            output.Append(match.Local);
            index += match.MountPath.Length;
        }

        return output.ToString();
    }

    private static bool MountsAt(string value, int index, string mountPath)
    {
        if (index + mountPath.Length > value.Length || string.CompareOrdinal(value, index, mountPath, 0, mountPath.Length) != 0)
        {
            return false;
        }

        var after = index + mountPath.Length;
        return after == value.Length || value[after] == '/' || !IsPathCharacter(value[after]);
    }

    private static bool IsPathCharacter(char c) => char.IsLetterOrDigit(c) || c is '.' or '_' or '-' or '/';
}
