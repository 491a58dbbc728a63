using VectorDR.KubeEmulator.Api;
using VectorDR.KubeEmulator.Storage;

namespace VectorDR.KubeEmulator.Jobs;

/// <summary>Feeds Job creations and deletions to the <see cref="IJobRunner"/>, from an internal watch that faults do not touch.</summary>
internal sealed class JobNotifier(ObjectStore store, ResourceRegistry registry, IEmulatorCluster cluster, IJobRunner? runner)
{
    private static readonly GroupResource Jobs = new("batch", "jobs");

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (runner is null)
        {
            return;
        }

        using var subscription = store.Subscribe(Jobs, store.CurrentResourceVersion);
        await foreach (var stored in subscription.Reader.ReadAllAsync(cancellationToken))
        {
            var job = ResourceService.Present(registry.Find("batch", "v1", "jobs")!, stored.Object).DeepClone().AsObject();
            try
            {
                switch (stored.Type)
                {
                    case "ADDED":
                        await runner.OnJobCreatedAsync(job, cluster, cancellationToken);
                        break;
                    case "DELETED":
                        await runner.OnJobDeletedAsync(job, cluster, cancellationToken);
                        break;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A failing runner must not stop notifications for later Jobs.
                Console.Error.WriteLine($"kube-emulator: job runner failed for {Meta.Namespace(job)}/{Meta.Name(job)}: {e.Message}");
            }
        }
    }
}
