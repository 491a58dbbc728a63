using k8s;
using k8s.Models;
using Microsoft.Extensions.Options;
using VectorDR.Operator.Entities;
using VectorDR.Operator.Hosting;
using VectorDR.Operator.Jobs;
using VectorDR.Operator.Tests.Validation;

namespace VectorDR.Operator.Tests.Controllers;

public sealed class BackupJobsTests
{
    private static readonly BackupJobs Jobs = new(new JobFactory(Options.Create(new OperatorOptions
    {
        JobImage = "registry.example/vectordr:1.2.3", JobImagePullPolicy = "Always", JobTtlSecondsAfterFinished = 600,
    })));

    private static BackupPolicy Policy()
    {
        var spec = BackupPolicyValidatorTests.ValidSpec();
        spec.Source.Collections = ["a", "b"];
        spec.Source.Qdrant.Tls = new QdrantTls { CaSecretRef = new SecretReference { Name = "qdrant-ca" } };
        spec.Replicas = [new ReplicaLocation { Name = "west", Location = "s3://dr-west/p?region=us-west-2", CredentialsSecretRef = new SecretReference { Name = "west" } }];
        spec.Retention = new RetentionPolicy { KeepLast = 3, KeepDaily = 7 };
        spec.JobTemplate = new JobTemplate
        {
            Resources = new ResourceRequirements { Limits = new Dictionary<string, IntOrString> { ["memory"] = "512Mi" } },
            NodeSelector = new Dictionary<string, string> { ["pool"] = "backup" },
            Tolerations = [new Toleration { Key = "dedicated", Operator = TolerationOperator.Equal, Value = "backup", Effect = TaintEffect.NoSchedule }],
            ServiceAccountName = "vectordr-backup",
            BackoffLimit = 1,
            ActiveDeadlineSeconds = 3600,
        };
        return new BackupPolicy
        {
            ApiVersion = "dr.vectordr.io/v1alpha1", Kind = "BackupPolicy",
            Metadata = new V1ObjectMeta
            {
                Name = "orders", NamespaceProperty = "search", Uid = "uid-7",
                // Argo CD's tracking label and annotation must never reach a Job: Argo CD would prune it as a stray.
                Labels = new Dictionary<string, string> { ["app.kubernetes.io/instance"] = "search-dr" },
                Annotations = new Dictionary<string, string> { ["argocd.argoproj.io/tracking-id"] = "search-dr:dr.vectordr.io/BackupPolicy:search/orders" },
            },
            Spec = spec,
        };
    }

    [Fact]
    public void Backup_Job_applies_the_job_template_and_carries_no_secret_and_no_policy_labels()
    {
        var scheduled = new DateTimeOffset(2026, 11, 23, 3, 0, 0, TimeSpan.Zero);
        var job = Jobs.Backup(Policy(), "orders-202611230300", BackupTrigger.Schedule, scheduled);

        Assert.Equal("orders-202611230300", job.Metadata.Name);
        Assert.Equal("search", job.Metadata.NamespaceProperty);
        var owner = Assert.Single(job.Metadata.OwnerReferences);
        Assert.Equal(("BackupPolicy", "uid-7", true), (owner.Kind, owner.Uid, owner.Controller == true));
        Assert.DoesNotContain("app.kubernetes.io/instance", job.Metadata.Labels.Keys);
        Assert.DoesNotContain("app.kubernetes.io/instance", job.Spec.Template.Metadata.Labels.Keys);
        Assert.Null(job.Metadata.Annotations.Keys.FirstOrDefault(k => k.StartsWith("argocd", StringComparison.Ordinal)));
        Assert.Equal("2026-11-23T03:00:00Z", job.Metadata.Annotations["dr.vectordr.io/scheduled-time"]);
        Assert.Equal("orders", job.Metadata.Labels["dr.vectordr.io/policy"]);

        Assert.Equal(1, job.Spec.BackoffLimit);
        Assert.Equal(3600, job.Spec.ActiveDeadlineSeconds);
        Assert.Equal(600, job.Spec.TtlSecondsAfterFinished);
        var pod = job.Spec.Template.Spec;
        Assert.Equal("Never", pod.RestartPolicy);
        Assert.Equal("vectordr-backup", pod.ServiceAccountName);
        Assert.Equal("backup", pod.NodeSelector["pool"]);
        Assert.Equal(("dedicated", "Equal", "backup", "NoSchedule"), (pod.Tolerations[0].Key, pod.Tolerations[0].OperatorProperty, pod.Tolerations[0].Value, pod.Tolerations[0].Effect));
        Assert.Equal("qdrant-ca", pod.Volumes.Single(v => v.Name == "qdrant-ca").Secret.SecretName);
        Assert.NotNull(pod.Volumes.Single(v => v.Name == "tmp").EmptyDir); // a writable /tmp under a read-only root filesystem

        var container = Assert.Single(pod.Containers);
        Assert.Null(pod.InitContainers);
        Assert.Equal(("registry.example/vectordr:1.2.3", "Always"), (container.Image, container.ImagePullPolicy));
        Assert.Equal("512Mi", container.Resources.Limits["memory"].ToString());
        Assert.Equal(("/dev/termination-log", "FallbackToLogsOnError"), (container.TerminationMessagePath, container.TerminationMessagePolicy));
        Assert.Equal(
            ["backup", "--to", Policy().Spec.Storage.Location, "--collection", "a", "--collection", "b", "--qdrant", "http://qdrant:6333",
             "--ca-cert", "/etc/vectordr/qdrant-ca/ca.crt", "--probes", "10", "--top-k", "10", "--policy", "search/orders", "--json"],
            container.Args);
        Assert.All(container.Env, e => Assert.Null(e.Value)); // every variable comes from a Secret reference
        Assert.Equal(("qdrant", "api-key"), (container.Env.Single(e => e.Name == "QDRANT_API_KEY").ValueFrom.SecretKeyRef.Name,
            container.Env.Single(e => e.Name == "QDRANT_API_KEY").ValueFrom.SecretKeyRef.Key));
        Assert.Equal("s3", container.Env.Single(e => e.Name == "AWS_SECRET_ACCESS_KEY").ValueFrom.SecretKeyRef.Name);
        Assert.True(container.Env.Single(e => e.Name == "AWS_SESSION_TOKEN").ValueFrom.SecretKeyRef.Optional);
    }

    [Fact]
    public void Sync_Job_prunes_the_primary_first_then_copies_and_prunes_each_replica_with_its_own_credentials()
    {
        var job = Jobs.Sync(Policy(), "orders-202611230300", "20261123T030012Z-a1b2c3");

        Assert.Equal("orders-202611230300-sync", job.Metadata.Name);
        Assert.Equal("sync", job.Metadata.Labels["dr.vectordr.io/step"]);
        Assert.Equal("orders-202611230300", job.Metadata.Labels["dr.vectordr.io/run"]);
        var pod = job.Spec.Template.Spec;
        Assert.Equal(["prune", "copy-west"], pod.InitContainers.Select(c => c.Name));
        Assert.Equal("prune-west", pod.Containers.Single().Name);

        var prune = pod.InitContainers[0];
        Assert.Equal(["prune", Policy().Spec.Storage.Location, "--keep-last", "3", "--keep-hourly", "0", "--keep-daily", "7", "--keep-weekly", "0",
            "--keep-monthly", "0", "--json"], prune.Args);
        var copy = pod.InitContainers[1];
        Assert.Equal(["copy", Policy().Spec.Storage.Location, "--to", "s3://dr-west/p?region=us-west-2", "--id", "20261123T030012Z-a1b2c3", "--json",
            "--to-env-prefix", "DEST_"], copy.Args);
        Assert.Equal("s3", copy.Env.Single(e => e.Name == "AWS_ACCESS_KEY_ID").ValueFrom.SecretKeyRef.Name);
        Assert.Equal("west", copy.Env.Single(e => e.Name == "DEST_AWS_ACCESS_KEY_ID").ValueFrom.SecretKeyRef.Name);
        Assert.Equal("west", pod.Containers[0].Env.Single(e => e.Name == "AWS_ACCESS_KEY_ID").ValueFrom.SecretKeyRef.Name);
        Assert.DoesNotContain("QDRANT_API_KEY", KubernetesJson.Serialize(job)); // the sync Job never talks to Qdrant
    }

    [Fact]
    public void Private_CA_bundles_of_the_locations_are_mounted_once_per_Secret_and_named_by_AWS_CA_BUNDLE()
    {
        var policy = Policy();
        policy.Spec.Storage.Location = "s3://prod/p?endpoint=https://rgw.dc1:443";
        policy.Spec.Storage.Tls = new StorageTls { CaSecretRef = new SecretReference { Name = "dc-ca" } };
        policy.Spec.Replicas =
        [
            // same CA as the primary, no credentials of its own: the primary's are used
            new ReplicaLocation { Name = "dc2", Location = "s3://standby/p?endpoint=https://rgw.dc2:443", Tls = new StorageTls { CaSecretRef = new SecretReference { Name = "dc-ca" } } },
            // another CA and its own credentials
            new ReplicaLocation { Name = "dc3", Location = "s3://far/p?endpoint=https://minio.dc3:9000", CredentialsSecretRef = new SecretReference { Name = "dc3" },
                Tls = new StorageTls { CaSecretRef = new SecretReference { Name = "a-ca-secret-whose-name-is-much-longer-than-a-volume-name-may-ever-be.example" } } },
            // public AWS: nothing of its own
            new ReplicaLocation { Name = "aws", Location = "s3://dr-west/p?region=us-west-2" },
        ];

        var backup = Jobs.Backup(policy, "orders-1", BackupTrigger.BackupNow, null).Spec.Template.Spec;
        Assert.Equal(["qdrant-ca", "storage-ca-0"], backup.Volumes.Where(v => v.Secret is not null).Select(v => v.Name));
        Assert.Equal(("dc-ca", "ca.crt"), (backup.Volumes.Single(v => v.Name == "storage-ca-0").Secret.SecretName,
            backup.Volumes.Single(v => v.Name == "storage-ca-0").Secret.Items.Single().Key));
        var container = backup.Containers.Single();
        Assert.Equal("/etc/vectordr/storage-ca/dc-ca", container.VolumeMounts.Single(m => m.Name == "storage-ca-0").MountPath);
        Assert.True(container.VolumeMounts.Single(m => m.Name == "storage-ca-0").ReadOnlyProperty);
        Assert.Equal("/etc/vectordr/storage-ca/dc-ca/ca.crt", container.Env.Single(e => e.Name == "AWS_CA_BUNDLE").Value);

        var sync = Jobs.Sync(policy, "orders-1", "20261123T030012Z-a1b2c3").Spec.Template.Spec;
        Assert.Equal([("storage-ca-0", "dc-ca"), ("storage-ca-1", "a-ca-secret-whose-name-is-much-longer-than-a-volume-name-may-ever-be.example")],
            sync.Volumes.Where(v => v.Secret is not null).Select(v => (v.Name, v.Secret.SecretName)));
        Assert.All(sync.InitContainers.Concat(sync.Containers), c => Assert.Equal(2, c.VolumeMounts.Count(m => m.Name.StartsWith("storage-ca-", StringComparison.Ordinal))));
        EnvVarValue(sync, "prune", "AWS_CA_BUNDLE", "/etc/vectordr/storage-ca/dc-ca/ca.crt");

        // dc2: its CA under DEST_, and the primary's credentials with it, as the copy would use without the prefix.
        var dc2 = sync.InitContainers.Single(c => c.Name == "copy-dc2");
        Assert.Contains("--to-env-prefix", dc2.Args);
        EnvVarValue(sync, "copy-dc2", "AWS_CA_BUNDLE", "/etc/vectordr/storage-ca/dc-ca/ca.crt");
        EnvVarValue(sync, "copy-dc2", "DEST_AWS_CA_BUNDLE", "/etc/vectordr/storage-ca/dc-ca/ca.crt");
        Assert.Equal("s3", dc2.Env.Single(e => e.Name == "DEST_AWS_ACCESS_KEY_ID").ValueFrom.SecretKeyRef.Name);
        EnvVarValue(sync, "prune-dc2", "AWS_CA_BUNDLE", "/etc/vectordr/storage-ca/dc-ca/ca.crt");
        Assert.Equal("s3", sync.InitContainers.Single(c => c.Name == "prune-dc2").Env.Single(e => e.Name == "AWS_ACCESS_KEY_ID").ValueFrom.SecretKeyRef.Name);

        var farCa = "/etc/vectordr/storage-ca/a-ca-secret-whose-name-is-much-longer-than-a-volume-name-may-ever-be.example/ca.crt";
        EnvVarValue(sync, "copy-dc3", "DEST_AWS_CA_BUNDLE", farCa);
        Assert.Equal("dc3", sync.InitContainers.Single(c => c.Name == "copy-dc3").Env.Single(e => e.Name == "DEST_AWS_ACCESS_KEY_ID").ValueFrom.SecretKeyRef.Name);
        EnvVarValue(sync, "prune-dc3", "AWS_CA_BUNDLE", farCa);

        // aws: public AWS, the primary's credentials (a replica without its own is reached with them), no CA.
        var aws = sync.InitContainers.Single(c => c.Name == "copy-aws");
        Assert.Contains("--to-env-prefix", aws.Args);
        Assert.Equal("s3", aws.Env.Single(e => e.Name == "DEST_AWS_SECRET_ACCESS_KEY").ValueFrom.SecretKeyRef.Name);
        Assert.DoesNotContain(aws.Env, e => e.Name == "DEST_AWS_CA_BUNDLE");
        var pruneAws = sync.Containers.Single(); // the last step
        Assert.Equal("s3", pruneAws.Env.Single(e => e.Name == "AWS_SECRET_ACCESS_KEY").ValueFrom.SecretKeyRef.Name);
        Assert.DoesNotContain(pruneAws.Env, e => e.Name == "AWS_CA_BUNDLE");
    }

    [Fact]
    public void File_locations_on_claims_are_mounted_at_their_paths_in_every_step_that_reads_them()
    {
        var policy = Policy();
        policy.Spec.Storage = new StorageLocation { Location = "file:///backups/prod/", PersistentVolumeClaim = new PersistentVolumeClaimReference { ClaimName = "prod-backups" } };
        policy.Spec.Replicas = [new ReplicaLocation { Name = "dr", Location = "file:///mnt/dr%20site", PersistentVolumeClaim = new PersistentVolumeClaimReference { ClaimName = "dr-backups" } }];

        var backup = Jobs.Backup(policy, "orders-1", BackupTrigger.BackupNow, null).Spec.Template.Spec;
        var volume = backup.Volumes.Single(v => v.PersistentVolumeClaim is not null);
        Assert.Equal(("storage-0", "prod-backups"), (volume.Name, volume.PersistentVolumeClaim.ClaimName));
        var mount = backup.Containers.Single().VolumeMounts.Single(m => m.Name == "storage-0");
        Assert.Equal("/backups/prod", mount.MountPath);
        Assert.NotEqual(true, mount.ReadOnlyProperty); // backups are written there

        var sync = Jobs.Sync(policy, "orders-1", "20261123T030012Z-a1b2c3").Spec.Template.Spec;
        Assert.Equal([("storage-0", "prod-backups"), ("storage-1", "dr-backups")],
            sync.Volumes.Where(v => v.PersistentVolumeClaim is not null).Select(v => (v.Name, v.PersistentVolumeClaim.ClaimName)));
        Assert.All(sync.InitContainers.Concat(sync.Containers), c => Assert.Equal(["/backups/prod", "/mnt/dr site"],
            c.VolumeMounts.Where(m => m.Name.StartsWith("storage-", StringComparison.Ordinal) && !m.Name.StartsWith("storage-ca", StringComparison.Ordinal)).Select(m => m.MountPath)));
    }

    private static void EnvVarValue(V1PodSpec pod, string container, string variable, string expected) =>
        Assert.Equal(expected, (pod.InitContainers ?? []).Concat(pod.Containers).Single(c => c.Name == container).Env.Single(e => e.Name == variable).Value);

    [Fact]
    public void Job_names_are_deterministic_and_long_policy_names_are_cut_with_a_hash_so_they_fit_and_stay_apart()
    {
        var scheduled = new DateTimeOffset(2026, 11, 23, 3, 0, 0, TimeSpan.Zero);
        Assert.Equal("orders-202611230300", JobNames.ScheduledBackup("orders", scheduled));

        var longA = new string('a', 60) + "-one";
        var longB = new string('a', 60) + "-two";
        var a = JobNames.ScheduledBackup(longA, scheduled);
        var b = JobNames.ScheduledBackup(longB, scheduled);
        Assert.Equal(a, JobNames.ScheduledBackup(longA, scheduled));
        Assert.NotEqual(a, b);
        Assert.Matches("^a{39}-[0-9a-f]{5}-202611230300$", a);
        Assert.True(JobNames.Sync(a).Length <= 63);
        Assert.NotEqual(JobNames.BackupNow("orders", "1"), JobNames.BackupNow("orders", "2"));
        Assert.Matches("^orders-now-[0-9a-f]{8}$", JobNames.BackupNow("orders", "1"));
    }

    [Fact]
    public void Locations_without_credentials_leave_the_pods_AWS_environment_to_their_service_account()
    {
        // EKS IRSA: the webhook injects AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE into pods of an annotated
        // ServiceAccount; the Job must run as it, with its token, and set no AWS credential variable that would win.
        var policy = Policy();
        policy.Spec.Storage.CredentialsSecretRef = null;
        policy.Spec.Replicas![0].CredentialsSecretRef = null;

        foreach (var job in new[] { Jobs.Backup(policy, "orders-1", BackupTrigger.Schedule, DateTimeOffset.UnixEpoch), Jobs.Sync(policy, "orders-1", "20261123T030012Z-a1b2c3") })
        {
            var pod = job.Spec.Template.Spec;
            Assert.Equal(("vectordr-backup", true), (pod.ServiceAccountName, pod.AutomountServiceAccountToken));
            var containers = (pod.InitContainers ?? []).Concat(pod.Containers).ToList();
            Assert.All(containers, c => Assert.DoesNotContain(c.Env ?? [], e => e.Name.Contains("AWS_", StringComparison.Ordinal) && !e.Name.EndsWith("CA_BUNDLE", StringComparison.Ordinal)));
            Assert.All(containers, c => Assert.DoesNotContain("--to-env-prefix", c.Args));
        }
    }
}
