using k8s.Models;
using VectorDR.ControllerRuntime.Hosting;
using VectorDR.Operator.Controllers;
using VectorDR.Operator.Entities;
using VectorDR.Operator.Jobs;

namespace VectorDR.Operator.Hosting;

public static class RestoreRegistration
{
    /// <summary>The RestoreRequest controller, its finalizer (stops a running restore on deletion) and what they need.</summary>
    public static OperatorBuilder AddRestoreRequests(this OperatorBuilder builder)
    {
        builder.Services.AddSingleton<RestoreJobs>();
        return builder
            .AddController<RestoreRequestController, RestoreRequest>(c => c
                .Owns<V1Job>()
                .Watches<V1Secret>(RestoreRequestSource.RequestsReferencing)
                .Watches<V1PersistentVolumeClaim>(RestoreRequestSource.RequestsOnClaim)
                .Watches<BackupPolicy>(RestoreRequestSource.RequestsReading))
            .AddFinalizer<RestoreRequestFinalizer, RestoreRequest>(RestoreRequestFinalizer.Id);
    }
}
