namespace VectorDR.Operator.Controllers;

/// <summary>Event and condition reasons of the RestoreRequest controller (CamelCase, stable: alerts match on them).</summary>
public static class RestoreRequestReasons
{
    public const string RestoreStarted = "RestoreStarted";
    public const string RestoreRunning = "RestoreRunning";
    public const string RestoreSucceeded = "RestoreSucceeded";
    public const string RestoreFailed = "RestoreFailed";
    public const string RestoreCancelled = "RestoreCancelled";
}
