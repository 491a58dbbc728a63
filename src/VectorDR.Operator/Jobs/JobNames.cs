using System.Security.Cryptography;
using System.Text;

namespace VectorDR.Operator.Jobs;

/// <summary>
/// Deterministic names and the labels the operator puts on its Jobs. A Job's name is a pure function of its owner and
/// what triggered it (the scheduled time, the backup-now value), so an operator restarted or replaced at any moment
/// computes the same name again, gets AlreadyExists, and adopts the Job instead of starting a second one.
/// </summary>
public static class JobNames
{
    public const string PolicyLabel = "dr.vectordr.io/policy";
    public const string RestoreLabel = "dr.vectordr.io/restore";
    public const string RunLabel = "dr.vectordr.io/run";
    public const string StepLabel = "dr.vectordr.io/step";
    public const string ScheduledTimeAnnotation = "dr.vectordr.io/scheduled-time";
    public const string TriggerAnnotation = "dr.vectordr.io/trigger";

    /// <summary>Set on a finished Job once its result is in the owner's status: a Job is recorded once, whatever status keeps.</summary>
    public const string RecordedAnnotation = "dr.vectordr.io/recorded";

    public const string BackupStep = "backup";
    public const string SyncStep = "sync";
    public const string RestoreStep = "restore";

    /// <summary>Job names become the pods' job-name label value, so 63 characters at most; "-sync" must still fit.</summary>
    private const int MaxRunName = 63 - 5;

    public static string ScheduledBackup(string policy, DateTimeOffset scheduledTime) =>
        Compose(policy, scheduledTime.UtcDateTime.ToString("yyyyMMddHHmm", System.Globalization.CultureInfo.InvariantCulture));

    public static string BackupNow(string policy, string annotationValue) => Compose(policy, "now-" + Hash(annotationValue, 8));

    public static string Sync(string run) => run + "-sync";

    public static string Restore(string request) => Compose(request, "restore");

    /// <summary>A label value naming an object (names may be 253 characters, label values 63).</summary>
    public static string LabelValue(string name) => name.Length <= 63 ? name : name[..(63 - 9)].TrimEnd('-', '.', '_') + "-" + Hash(name, 8);

    private static string Compose(string owner, string suffix)
    {
        var room = MaxRunName - suffix.Length - 1;
        if (owner.Length <= room) return $"{owner}-{suffix}";
        // Truncation alone could make two long names collide: a hash of the whole name keeps them apart.
        var cut = owner[..(room - 6)].TrimEnd('-', '.');
        return $"{cut}-{Hash(owner, 5)}-{suffix}";
    }

    private static string Hash(string text, int length) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..length];
}
