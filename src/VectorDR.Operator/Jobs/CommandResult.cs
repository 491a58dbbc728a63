using System.Text.Json;
using System.Text.Json.Nodes;

namespace VectorDR.Operator.Jobs;

/// <summary>
/// What one `vectordr … --json` container reported through its termination message: the JSON result (see the CLI's
/// output contract) or, when the command died before writing it, the tail of its log (FallbackToLogsOnError).
/// </summary>
public sealed record CommandResult(bool Succeeded, string? Error, JsonObject? Body)
{
    private const int MaxMessageLength = 1024;

    public static CommandResult From(int exitCode, string? terminationMessage)
    {
        var body = TryParse(terminationMessage);
        if (exitCode == 0 && body?["succeeded"]?.GetValueKind() is not JsonValueKind.False)
            return new CommandResult(true, null, body);

        var error = body?["error"]?.GetValue<string>() ?? body?["message"]?.GetValue<string>()
            ?? (body is null && !string.IsNullOrWhiteSpace(terminationMessage) ? Tail(terminationMessage.Trim()) : null)
            ?? $"the command exited with code {exitCode} without reporting a result";
        return new CommandResult(false, error, body);
    }

    public string? GetString(params string[] path) => Navigate(path) is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public long? GetInt64(params string[] path) => Navigate(path) is JsonValue v && v.TryGetValue<long>(out var n) ? n
        : Navigate(path) is JsonValue d && d.TryGetValue<double>(out var x) ? (long)x : null;

    public double? GetDouble(params string[] path) => Navigate(path) is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    public DateTime? GetTime(params string[] path) =>
        GetString(path) is { } s && DateTimeOffset.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t)
            ? t.UtcDateTime : null;

    public JsonNode? Navigate(params string[] path)
    {
        JsonNode? node = Body;
        foreach (var key in path) node = node is JsonObject o ? o[key] : null;
        return node;
    }

    private static JsonObject? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.TrimStart()[0] != '{') return null;
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // A log tail can be long and multi-line; status messages must stay readable in `kubectl describe`.
    private static string Tail(string text) => text.Length <= MaxMessageLength ? text : "…" + text[^MaxMessageLength..];
}
