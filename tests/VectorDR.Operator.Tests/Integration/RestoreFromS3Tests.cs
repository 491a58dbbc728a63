using VectorDR.ControllerRuntime.Entities;
using VectorDR.Engine.Tests.Support;
using VectorDR.Operator.Entities;
using VectorDR.QdrantEmulator;

namespace VectorDR.Operator.Tests.Integration;

/// <summary>RestoreRequests reading from real S3 (Ceph RGW): a policy's replica, and a new cluster with nothing but a bucket.</summary>
[Collection("emulator")]
public sealed class RestoreFromS3Tests
{
    [S3Fact]
    public async Task A_replica_of_the_policy_is_the_source_when_asked_for()
    {
        await using var buckets = new S3Buckets();
        var (_, replicaLocation) = await buckets.CreateAsync("replica");
        await using var world = await DrWorld.StartAsync();
        await world.CreateSecretAsync("s3-west", ("AWS_ACCESS_KEY_ID", buckets.Settings.AccessKey), ("AWS_SECRET_ACCESS_KEY", buckets.Settings.SecretKey));
        // The primary location stays empty: only the replica holds the backup, so reading it proves the replica was used.
        await world.CreatePolicyAsync("docs", world.FileLocation("primary"), spec =>
            spec.Replicas = [new ReplicaLocation { Name = "west", Location = replicaLocation, CredentialsSecretRef = new SecretReference { Name = "s3-west" } }]);
        var backup = await world.BackupWithCliAsync(replicaLocation);
        await world.StartOperatorAsync();

        var request = await world.RestoreLatestFromReplicaAsync("from-west", "docs", "west", "docs-west"); // Succeeded, 300 points there

        Assert.Equal(backup.Id, request.Status.BackupId);
        var container = (await world.JobsAsync()).Single().Spec.Template.Spec.Containers.Single();
        Assert.Equal(replicaLocation, container.Args[1]);
        Assert.Equal(["QDRANT_API_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"], container.Env.Select(e => e.Name));
        Assert.All(container.Env, e => Assert.NotNull(e.ValueFrom.SecretKeyRef));
        Assert.DoesNotContain(buckets.Settings.SecretKey, k8s.KubernetesJson.Serialize(await world.JobsAsync()));
    }

    [S3Fact]
    public async Task A_new_cluster_restores_from_the_bucket_alone_as_the_runbook_says()
    {
        // The old cluster: its Qdrant (the world's seeded one) was backed up into a bucket by `vectordr backup`; then everything
        // but the bucket was lost.
        await using var buckets = new S3Buckets();
        var (_, location) = await buckets.CreateAsync("qdrant/prod");
        await using var world = await DrWorld.StartAsync();
        var backup = await world.BackupWithCliAsync(location);

        // The new cluster: an empty Qdrant and a Kubernetes API with only the CRDs (docs/runbooks/restore-into-a-new-cluster.md).
        await using var newQdrant = await QdrantEmulatorHost.StartAsync(new QdrantEmulatorOptions
        {
            ApiKey = DrWorld.QdrantKey, DataDirectory = Path.Combine(world.Root, "qdrant-new"),
        });
        var newUrl = newQdrant.BaseAddress.ToString().TrimEnd('/');
        Assert.Empty((await world.Client.ListAsync<BackupPolicy>("default", null, CancellationToken.None)).Items);

        // Step 2: the Secrets (the DrWorld created "qdrant" with the API key already), step 3: the operator, step 4: the request.
        await world.CreateSecretAsync("backup-bucket", ("AWS_ACCESS_KEY_ID", buckets.Settings.AccessKey), ("AWS_SECRET_ACCESS_KEY", buckets.Settings.SecretKey));
        await world.StartOperatorAsync();
        await world.CreateRestoreAsync("restore-prod",
            new RestoreSource { Location = location, CredentialsSecretRef = new SecretReference { Name = "backup-bucket" }, Latest = true },
            t => t.SwitchAlias = null, qdrantUrl: newUrl);

        // Step 5: wait for Succeeded and read the evidence.
        var request = await world.WaitForRestoreEndAsync("restore-prod", 90);
        Assert.True(request.Status.Phase == RestorePhase.Succeeded, request.Status.Message);
        Assert.Equal(backup.Id, request.Status.BackupId);
        var restored = Assert.Single(request.Status.Collections!);
        Assert.Equal((DrWorld.Collection, 300L, 300L, 1.0), (restored.To, restored.Points!.Value, restored.ExpectedPoints!.Value, restored.Recall!.Value));
        Assert.NotNull(request.Status.DurationSeconds);
        Assert.Equal(ConditionStatus.True, Conditions.Find(request.Status.Conditions, "Verified")!.Status);
        using var qdrant = world.QdrantAt(newUrl);
        Assert.Equal(300, await qdrant.CountAsync(DrWorld.Collection));
    }
}
