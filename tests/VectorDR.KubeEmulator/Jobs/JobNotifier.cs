using VectorDR.KubeEmulator.Api;
using VectorDR.KubeEmulator.Storage;

namespace VectorDR.KubeEmulator.Jobs;

/// <summary>
/// Feeds Job creations and deletions (and Pod deletions, when the runner implements <see cref="IPodLifecycleObserver"/>)
/// to the <see cref="IJobRunner"/>, from an internal subscription that faults do not touch. One subscription for both
/// kinds keeps the notifications in commit order across them.
/// </summary>
internal sealed class JobNotifier(ObjectStore store, ResourceRegistry registry, IEmulatorCluster cluster, IJobRunner? runner)
{
    private static readonly GroupResource Jobs = new("batch", "jobs");
    private static readonly GroupResource Pods = new("", "pods");

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (runner is null)
        {
            return;
        }

        var podObserver = runner as IPodLifecycleObserver;
        using var subscription = store.Subscribe(podObserver is null ? Jobs : null, store.CurrentResourceVersion);
        await foreach (var stored in subscription.Reader.ReadAllAsync(cancellationToken))
        {
            var isJob = stored.Key.Resource == Jobs;
            if (!isJob && !(stored.Key.Resource == Pods && stored.Type == "DELETED"))
            {
                continue;
            }

            var type = isJob ? registry.Find("batch", "v1", "jobs")! : registry.Find("", "v1", "pods")!;
            var obj = ResourceService.Present(type, stored.Object).DeepClone().AsObject();
            try
            {
                switch (stored.Type)
                {
                    case "ADDED" when isJob:
                        await runner.OnJobCreatedAsync(obj, cluster, cancellationToken);
                        break;
                    case "DELETED" when isJob:
                        await runner.OnJobDeletedAsync(obj, cluster, cancellationToken);
                        break;
                    case "DELETED":
                        await podObserver!.OnPodDeletedAsync(obj, cluster, cancellationToken);
                        break;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A failing runner must not stop notifications for later objects.
                Console.Error.WriteLine($"kube-emulator: job runner failed for {Meta.Namespace(obj)}/{Meta.Name(obj)}: {e.Message}");
            }
        }
    }
}
