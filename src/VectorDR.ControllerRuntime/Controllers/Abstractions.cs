using k8s;
using k8s.Models;

namespace VectorDR.ControllerRuntime.Controllers;

/// <summary>What a reconcile asks the runtime to do next.</summary>
public sealed record ReconciliationResult
{
    private ReconciliationResult(bool isSuccess, string? errorMessage, Exception? error, TimeSpan? requeueAfter)
    {
        IsSuccess = isSuccess;
        ErrorMessage = errorMessage;
        Error = error;
        RequeueAfter = requeueAfter;
    }

    public bool IsSuccess { get; }
    public string? ErrorMessage { get; }
    public Exception? Error { get; }
    /// <summary>Reconcile again after this delay; a failure without it backs off exponentially per key.</summary>
    public TimeSpan? RequeueAfter { get; }

    public static ReconciliationResult Success(TimeSpan? requeueAfter = null) => new(true, null, null, requeueAfter);

    public static ReconciliationResult Failure(string errorMessage, Exception? error = null, TimeSpan? requeueAfter = null) =>
        new(false, errorMessage, error, requeueAfter);
}

/// <summary>
/// A level-triggered controller: <see cref="ReconcileAsync"/> gets the current object (from the cache) whatever
/// changed, must be idempotent, and writes only status.
/// </summary>
public interface IEntityController<in TEntity> where TEntity : IKubernetesObject<V1ObjectMeta>
{
    Task<ReconciliationResult> ReconcileAsync(TEntity entity, CancellationToken cancellationToken);

    /// <summary>Called once the object is gone from the API (after any finalizers ran).</summary>
    Task<ReconciliationResult> DeletedAsync(TEntity entity, CancellationToken cancellationToken) =>
        Task.FromResult(ReconciliationResult.Success());
}

/// <summary>Cleanup that must finish before the object may disappear. Throw to retry with backoff.</summary>
public interface IEntityFinalizer<in TEntity> where TEntity : IKubernetesObject<V1ObjectMeta>
{
    Task FinalizeAsync(TEntity entity, CancellationToken cancellationToken);
}
