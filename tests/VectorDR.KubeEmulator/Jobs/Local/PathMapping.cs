using System.Text;

namespace VectorDR.KubeEmulator.Jobs;

/// <summary>Rewrites container paths under a volume's mountPath to the local folder standing in for the volume.</summary>
internal static class PathMapping
{
    /// <summary>
    /// Replaces each occurrence of a mountPath that is a whole path prefix (followed by '/', the end, or a character that
    /// cannot continue a path segment such as a quote, space, ':' or '=') — so <c>/data</c> maps in <c>/data/x</c> and
    /// <c>--dir=/data</c> but not in <c>/database</c>. Longer mount paths win.
    /// </summary>
    public static string Apply(string value, IReadOnlyList<(string MountPath, string Local)> mappings)
    {
        foreach (var (mountPath, local) in mappings.OrderByDescending(m => m.MountPath.Length))
        {
            var output = new StringBuilder(value.Length);
            var index = 0;
            while (true)
            {
                var found = value.IndexOf(mountPath, index, StringComparison.Ordinal);
                if (found < 0)
                {
                    output.Append(value, index, value.Length - index);
                    break;
                }

                var after = found + mountPath.Length;
                var boundaryBefore = found == 0 || !IsPathCharacter(value[found - 1]);
                var boundaryAfter = after == value.Length || value[after] == '/' || !IsPathCharacter(value[after]);
                output.Append(value, index, found - index);
                output.Append(boundaryBefore && boundaryAfter ? local : mountPath);
                index = after;
            }

            value = output.ToString();
        }

        return value;
    }

    private static bool IsPathCharacter(char c) => char.IsLetterOrDigit(c) || c is '.' or '_' or '-' or '/';
}
