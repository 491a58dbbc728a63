using k8s.Models;
using VectorDR.ControllerRuntime.Client;

namespace VectorDR.Operator.Jobs;

/// <summary>
/// The two Job writes every controller here makes: create a Job under its deterministic name (adopting it when it
/// already exists), and mark a finished Job as recorded once its result is in the owner's status, so that nothing
/// records it again whatever status keeps.
/// </summary>
public sealed class JobRecords(KubeApiClient client)
{
    /// <returns>True when this call created the Job; false when it existed (created before a restart: adopt it).</returns>
    public async Task<bool> CreateIfMissingAsync(V1Job job, CancellationToken cancellationToken)
    {
        try
        {
            await client.CreateAsync(job, cancellationToken);
            return true;
        }
        catch (KubeApiException e) when (e.IsAlreadyExists)
        {
            return false;
        }
    }

    public async Task MarkRecordedAsync(V1Job job, CancellationToken cancellationToken)
    {
        try
        {
            await client.MergePatchAsync<V1Job>(job.Metadata.NamespaceProperty, job.Metadata.Name,
                new { metadata = new { annotations = new Dictionary<string, string> { [JobNames.RecordedAnnotation] = "true" } } }, cancellationToken);
        }
        catch (KubeApiException e) when (e.IsNotFound)
        {
            // Gone already (TTL, deletion): nothing left that could be recorded again.
        }
    }

    public static bool IsRecorded(V1Job job) => job.Metadata.Annotations?.ContainsKey(JobNames.RecordedAnnotation) == true;
}
