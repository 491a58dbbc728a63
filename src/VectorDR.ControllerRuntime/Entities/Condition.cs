using System.Text.Json.Serialization;

namespace VectorDR.ControllerRuntime.Entities;

/// <summary>Shaped like metav1.Condition, so kubectl, Argo CD and kstatus read it the usual way.</summary>
[Description("A condition of the resource, shaped like metav1.Condition.")]
public sealed class Condition
{
    [Required, Pattern("^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"), Length(maxLength: 316)]
    [Description("Type of condition in CamelCase, e.g. Ready.")]
    public string Type { get; set; } = "";

    [Required]
    [Description("Status of the condition: True, False or Unknown.")]
    public ConditionStatus Status { get; set; } = ConditionStatus.Unknown;

    [RangeMinimum(0)]
    [Description("The .metadata.generation the condition was set from; older than the current generation means the condition is stale.")]
    public long? ObservedGeneration { get; set; }

    [Required]
    [Description("Last time the condition changed from one status to another.")]
    public DateTime LastTransitionTime { get; set; }

    [Required, Pattern("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"), Length(1, 1024)]
    [Description("Programmatic identifier in CamelCase telling why the condition is in its status.")]
    public string Reason { get; set; } = "";

    [Length(maxLength: 32768)]
    [Description("Human-readable details about the transition.")]
    public string Message { get; set; } = "";
}

[JsonConverter(typeof(JsonStringEnumConverter<ConditionStatus>))]
[Description("Status of a condition.")]
public enum ConditionStatus { True, False, Unknown }

/// <summary>metav1 condition helpers (the apimachinery meta.SetStatusCondition semantics).</summary>
public static class Conditions
{
    public static Condition? Find(IEnumerable<Condition>? conditions, string type) =>
        conditions?.FirstOrDefault(c => c.Type == type);

    /// <summary>
    /// Sets a condition; lastTransitionTime moves only when the status changes.
    /// Returns true when status, reason or message changed (the caller emits an event only then).
    /// </summary>
    public static bool Set(IList<Condition> conditions, string type, ConditionStatus status, string reason, string message,
        long? observedGeneration, DateTime now)
    {
        var existing = Find(conditions, type);
        if (existing is null)
        {
            conditions.Add(new Condition
            {
                Type = type, Status = status, Reason = reason, Message = message,
                ObservedGeneration = observedGeneration, LastTransitionTime = Truncate(now),
            });
            return true;
        }

        var changed = existing.Status != status || existing.Reason != reason || existing.Message != message;
        if (existing.Status != status) existing.LastTransitionTime = Truncate(now);
        existing.Status = status;
        existing.Reason = reason;
        existing.Message = message;
        existing.ObservedGeneration = observedGeneration;
        return changed;
    }

    // The API server stores RFC 3339 with seconds; comparing an untruncated value with a round-tripped one would look like a change.
    private static DateTime Truncate(DateTime t) =>
        new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
}
