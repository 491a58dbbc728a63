using VectorDR.ControllerRuntime.Entities;

namespace VectorDR.ControllerRuntime.Tests.Unit;

public sealed class ConditionsTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Transition_time_moves_only_when_status_changes()
    {
        var list = new List<Condition>();
        Assert.True(Conditions.Set(list, "Ready", ConditionStatus.False, "A", "m", 1, T0));
        Assert.False(Conditions.Set(list, "Ready", ConditionStatus.False, "A", "m", 1, T0.AddMinutes(1)));
        Assert.Equal(T0, list[0].LastTransitionTime);

        Assert.True(Conditions.Set(list, "Ready", ConditionStatus.False, "B", "m2", 2, T0.AddMinutes(2)));
        Assert.Equal(T0, list[0].LastTransitionTime);
        Assert.Equal(2, list[0].ObservedGeneration);

        Assert.True(Conditions.Set(list, "Ready", ConditionStatus.True, "C", "ok", 2, T0.AddMinutes(3).AddMilliseconds(500)));
        Assert.Equal(T0.AddMinutes(3), list[0].LastTransitionTime);
        Assert.Single(list);
    }
}
