namespace VectorDR.Operator.Controllers;

/// <summary>Event and condition reasons of the BackupPolicy and RestoreRequest controllers (CamelCase, stable: alerts match on them).</summary>
public static class EventReasons
{
    public const string BackupStarted = "BackupStarted";
    public const string BackupSucceeded = "BackupSucceeded";
    public const string BackupFailed = "BackupFailed";
    public const string BackupSkipped = "BackupSkipped";
    public const string BackupMissed = "BackupMissed";
    public const string BackupHeld = "BackupHeld";
    public const string ReplicaCopied = "ReplicaCopied";
    public const string ReplicaCopyFailed = "ReplicaCopyFailed";
    public const string Pruned = "Pruned";
    public const string PruneFailed = "PruneFailed";
    public const string RpoMissed = "RPOMissed";
    public const string RpoMet = "RPOMet";
    public const string JobLost = "JobLost";
}
