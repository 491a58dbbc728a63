using k8s;
using k8s.Models;
using VectorDR.ControllerRuntime.Entities;
using VectorDR.Engine.Tests.Support;
using VectorDR.Operator.Entities;
using VectorDR.Operator.Jobs;

namespace VectorDR.Operator.Tests.Integration;

/// <summary>
/// Buckets behind https with a certificate from a private CA (on-premises RGW or MinIO): the CA reaches the Jobs as a
/// Secret volume and AWS_CA_BUNDLE. Runs against RGW's https endpoint, whose certificate is self-signed.
/// </summary>
[Collection("emulator")]
public sealed class HttpsStorageTests
{
    private static readonly StorageTls BucketCa = new() { CaSecretRef = new SecretReference { Name = "bucket-ca" } };

    [S3Fact]
    public async Task A_policy_on_private_CA_buckets_backs_up_copies_and_its_replica_restores()
    {
        await using var buckets = new S3Buckets();
        var (primaryBucket, primary, replicaBucket, replica) = await HttpsBucketsAsync(buckets);
        await using var world = await DrWorld.StartAsync();
        await CreateSecretsAsync(world, buckets);
        await world.StartOperatorAsync();
        await world.CreatePolicyAsync("docs", primary, spec =>
        {
            spec.Storage.CredentialsSecretRef = new SecretReference { Name = "s3" };
            spec.Storage.Tls = BucketCa;
            // The replica names its CA and no credentials: the copy hands it the primary's, under DEST_ with its CA.
            spec.Replicas = [new ReplicaLocation { Name = "standby", Location = replica, Tls = BucketCa }];
        });

        var id = await world.BackUpNowAndSyncAsync("docs", "1");
        Assert.Contains($"prod/backups/{id}/manifest.json", await buckets.KeysAsync(primaryBucket));
        Assert.Contains($"standby/backups/{id}/manifest.json", await buckets.KeysAsync(replicaBucket));

        var jobs = await world.JobsAsync();
        var backup = jobs.Single(j => j.Metadata.Labels[JobNames.StepLabel] == JobNames.BackupStep).Spec.Template.Spec;
        var caFile = $"{CommandEnvironment.StorageCaRoot}/bucket-ca/ca.crt";
        Assert.Equal(caFile, backup.Containers.Single().Env.Single(e => e.Name == "AWS_CA_BUNDLE").Value);
        var sync = jobs.Single(j => j.Metadata.Labels[JobNames.StepLabel] == JobNames.SyncStep).Spec.Template.Spec;
        Assert.Equal("bucket-ca", Assert.Single(sync.Volumes, v => v.Secret is not null).Secret.SecretName); // one volume for the Secret both locations name
        var copy = sync.InitContainers.Single(c => c.Name == BackupJobs.CopyContainer("standby"));
        Assert.Equal(caFile, copy.Env.Single(e => e.Name == "DEST_AWS_CA_BUNDLE").Value);
        Assert.Equal("s3", copy.Env.Single(e => e.Name == "DEST_AWS_ACCESS_KEY_ID").ValueFrom.SecretKeyRef.Name);
        Assert.Contains("--to-env-prefix", copy.Args);

        // Qdrant does not know the private CA, so it could not download a pre-signed URL from this bucket (the
        // emulator, like Qdrant, trusts only the system store): the restore Job streams the parts to it instead.
        var request = await world.RestoreLatestFromReplicaAsync("from-standby", "docs", "standby", "docs-standby");
        Assert.Equal(id, request.Status.BackupId);
        var restore = (await world.JobsAsync()).Single(j => j.Metadata.Labels[JobNames.StepLabel] == JobNames.RestoreStep).Spec.Template.Spec;
        Assert.Equal(caFile, restore.Containers.Single().Env.Single(e => e.Name == "AWS_CA_BUNDLE").Value);
        var pod = (await world.PodsAsync()).Single(p => p.Metadata.Labels[JobNames.StepLabel] == JobNames.RestoreStep);
        using var log = await world.Client.Kubernetes.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, "default");
        Assert.Contains("private CA", await new StreamReader(log).ReadToEndAsync());
    }

    [S3Fact]
    public async Task Without_its_CA_a_run_fails_naming_AWS_CA_BUNDLE_and_naming_the_CA_Secret_fixes_it()
    {
        await using var buckets = new S3Buckets();
        var (_, primary, _, _) = await HttpsBucketsAsync(buckets);
        await using var world = await DrWorld.StartAsync();
        await CreateSecretsAsync(world, buckets);
        await world.StartOperatorAsync();
        await world.CreatePolicyAsync("docs", primary, spec => spec.Storage.CredentialsSecretRef = new SecretReference { Name = "s3" });

        await world.BackupNowAsync("docs", "1");
        var failed = await world.WaitForPolicyAsync("docs", p => p.Status.LastBackupNowValue == "1" && p.Status.RecentBackups?.FirstOrDefault()?.Result == BackupRunResult.Failed,
            "the run failed on the unknown certificate");
        Assert.Contains("AWS_CA_BUNDLE", failed.Status.RecentBackups![0].Message);

        await world.Client.MergePatchAsync<BackupPolicy>("default", "docs",
            new { spec = new { storage = new { tls = new { caSecretRef = new { name = "bucket-ca" } } } } }, CancellationToken.None);
        await world.BackupNowAsync("docs", "2");
        var fixedPolicy = await world.WaitForPolicyAsync("docs", p => p.Status.LastBackupNowValue == "2" && p.Status.RecentBackups?.FirstOrDefault()?.Result is BackupRunResult.Succeeded or BackupRunResult.Failed,
            "the run with the CA ended");
        Assert.True(fixedPolicy.Status.RecentBackups![0].Result == BackupRunResult.Succeeded, fixedPolicy.Status.RecentBackups[0].Message);
    }

    [Fact]
    public async Task A_CA_Secret_created_late_turns_the_policy_Ready()
    {
        await using var world = await DrWorld.StartAsync();
        await world.StartOperatorAsync();
        await world.CreatePolicyAsync("docs", "s3://bucket/prod?endpoint=https://rgw.dc1.example:443", spec => spec.Storage.Tls = BucketCa);

        var waiting = await world.WaitForPolicyAsync("docs", p => Conditions.Find(p.Status.Conditions, "Ready")?.Reason == "SecretNotFound", "Ready False: the CA Secret is missing");
        Assert.Equal("spec.storage.tls.caSecretRef: Secret \"bucket-ca\" not found", Conditions.Find(waiting.Status.Conditions, "Ready")!.Message);

        await world.CreateSecretAsync("bucket-ca", ("ca.crt", "-----BEGIN CERTIFICATE-----\n"));
        await world.WaitForPolicyAsync("docs", p => Conditions.Find(p.Status.Conditions, "Ready")?.Status == ConditionStatus.True, "Ready once the Secret exists");
    }

    private static async Task<(string PrimaryBucket, string Primary, string ReplicaBucket, string Replica)> HttpsBucketsAsync(S3Buckets buckets)
    {
        var endpoint = buckets.Settings.RequiredTlsEndpoint;
        var (primaryBucket, _) = await buckets.CreateAsync("prod");
        var (replicaBucket, _) = await buckets.CreateAsync("standby");
        return (primaryBucket, buckets.Settings.Location(primaryBucket, "prod", endpoint), replicaBucket, buckets.Settings.Location(replicaBucket, "standby", endpoint));
    }

    private static async Task CreateSecretsAsync(DrWorld world, S3Buckets buckets)
    {
        await world.CreateSecretAsync("s3", ("AWS_ACCESS_KEY_ID", buckets.Settings.AccessKey), ("AWS_SECRET_ACCESS_KEY", buckets.Settings.SecretKey));
        await world.CreateSecretAsync("bucket-ca", ("ca.crt", await File.ReadAllTextAsync(buckets.Settings.RequiredCaBundle)));
    }
}
