using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VectorDR.Cli.Output;

/// <summary>
/// In a Kubernetes Job the result travels back to the operator in the container's termination message, which the
/// kubelet reads from <c>terminationMessagePath</c> (default <c>/dev/termination-log</c>) and caps at 4,096 bytes.
/// The path comes from <c>TERMINATION_MESSAGE_PATH</c> when set, else <c>/dev/termination-log</c> when it exists
/// (it only does inside a pod). Outside a pod nothing is written.
/// </summary>
internal static class TerminationMessage
{
    public const string PathVariable = "TERMINATION_MESSAGE_PATH";
    private const string KubernetesDefault = "/dev/termination-log";
    private const int KubeletLimit = 4096;

    /// <summary>Keys kept when the full result does not fit: enough for the operator to record the outcome.</summary>
    private static readonly string[] EssentialKeys =
    [
        "succeeded", "exitCode", "error", "message", "backupId", "durationSeconds", "backup",                 // backup, restore, failures
        "startedAt", "completedAt", "aliasSwitched", "collections",                                           // restore
        "location", "kept", "deleted", "destination", "bytesCopied", "backups",                               // prune, copy
    ];

    public static void Write(string resultJson, TextWriter diagnostics)
    {
        var path = Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } p ? p
            : File.Exists(KubernetesDefault) ? KubernetesDefault
            : null;
        if (path is null) return;
        try
        {
            File.WriteAllText(path, Fit(resultJson), new UTF8Encoding(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.WriteLine($"warning: could not write the termination message to {path}: {e.Message}");
        }
    }

    /// <summary>The result as is when it fits the kubelet's limit, else its essential keys (the full result is on stdout).</summary>
    internal static string Fit(string resultJson)
    {
        if (Encoding.UTF8.GetByteCount(resultJson) <= KubeletLimit) return resultJson;
        var full = JsonNode.Parse(resultJson)!.AsObject();
        var compact = new JsonObject { ["truncated"] = true };
        foreach (var key in EssentialKeys)
            if (full[key] is { } value) compact[key] = value.DeepClone();
        if (compact["backup"] is JsonObject backup) backup.Remove("collections");
        var text = compact.ToJsonString();
        // Still too long (thousands of collections or pruned backups): the per-item lists go, the totals stay.
        if (Encoding.UTF8.GetByteCount(text) > KubeletLimit)
        {
            compact.Remove("collections");
            compact.Remove("backups");
            text = compact.ToJsonString();
        }
        return Encoding.UTF8.GetByteCount(text) <= KubeletLimit ? text : JsonSerializer.Serialize(new { truncated = true, succeeded = full["succeeded"]?.GetValue<bool>() });
    }
}
