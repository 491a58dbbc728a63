using VectorDR.ControllerRuntime.Hosting;

namespace VectorDR.Operator.Hosting;

public static class RestoreRegistration
{
    /// <summary>The RestoreRequest controller and what it needs.</summary>
    public static OperatorBuilder AddRestoreRequests(this OperatorBuilder builder) => builder;
}
