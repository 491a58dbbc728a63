using System.Text;
using VectorDR.Core.Errors;

namespace VectorDR.Storage;

/// <summary>
/// The one set of key rules every backend enforces, so a key that works on the filesystem also works on S3 and
/// a key can never escape its store's root (no <c>..</c>, no absolute keys, no backslashes).
/// </summary>
public static class ObjectKey
{
    /// <summary>S3's limit for a whole key, in UTF-8 bytes; the store prefix counts too, so keep keys shorter.</summary>
    public const int MaxLengthBytes = 1024;

    /// <summary>Throws <see cref="InvalidInputException"/> naming the key and the rule it breaks.</summary>
    public static void Validate(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0) throw Invalid(key, "it is empty");
        if (key.EndsWith('/')) throw Invalid(key, "it ends with '/' (that names a folder, not an object)");
        ValidateCommon(key, "object key");
    }

    /// <summary>A listing prefix: empty (everything) or a key start; may end with '/'.</summary>
    public static void ValidatePrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.Length == 0) return;
        ValidateCommon(prefix.EndsWith('/') ? prefix[..^1] : prefix, "prefix");
    }

    private static void ValidateCommon(string key, string what)
    {
        if (key.Length == 0) throw Invalid(key, "it is empty", what);
        if (Encoding.UTF8.GetByteCount(key) > MaxLengthBytes) throw Invalid(key, $"it is longer than {MaxLengthBytes} bytes", what);
        if (key.StartsWith('/')) throw Invalid(key, "it is absolute (starts with '/')", what);
        foreach (var c in key)
        {
            if (c == '\\') throw Invalid(key, "it contains a backslash (use '/' as the separator)", what);
            if (char.IsControl(c)) throw Invalid(key, "it contains a control character", what);
        }

        foreach (var segment in key.Split('/'))
        {
            if (segment.Length == 0) throw Invalid(key, "it contains an empty path segment ('//')", what);
            if (segment is "." or "..") throw Invalid(key, $"it contains a '{segment}' path segment", what);
        }
    }

    private static InvalidInputException Invalid(string key, string reason, string what = "object key") =>
        new($"invalid {what} '{Printable(key)}': {reason}");

    // Keys come from manifests and command lines: never echo raw control characters into a terminal or log.
    private static string Printable(string key)
    {
        var sb = new StringBuilder(key.Length);
        foreach (var c in key) sb.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        return sb.ToString();
    }
}
