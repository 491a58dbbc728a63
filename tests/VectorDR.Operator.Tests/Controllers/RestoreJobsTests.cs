using k8s.Models;
using Microsoft.Extensions.Options;
using VectorDR.Operator.Entities;
using VectorDR.Operator.Hosting;
using VectorDR.Operator.Jobs;

namespace VectorDR.Operator.Tests.Controllers;

public sealed class RestoreJobsTests
{
    private static readonly RestoreJobs Jobs = new(new JobFactory(Options.Create(new OperatorOptions())));

    private static RestoreRequest Request(RestoreSource source, Action<RestoreTarget>? configure = null)
    {
        var target = new RestoreTarget
        {
            Qdrant = new QdrantEndpoint
            {
                Url = "https://qdrant-dr:6333", ApiKeySecretRef = new SecretKeyReference { Name = "qdrant", Key = "api-key" },
                Tls = new QdrantTls { CaSecretRef = new SecretReference { Name = "qdrant-ca" } },
            },
        };
        configure?.Invoke(target);
        return new RestoreRequest
        {
            ApiVersion = "dr.vectordr.io/v1alpha1", Kind = "RestoreRequest",
            Metadata = new V1ObjectMeta { Name = "rr", NamespaceProperty = "qdrant", Uid = "uid-1" },
            Spec = new RestoreRequestSpec { Source = source, Target = target, JobTemplate = new JobTemplate { BackoffLimit = 5, ActiveDeadlineSeconds = 600 } },
        };
    }

    [Fact]
    public void Point_in_time_becomes_at_in_utc_and_the_mapping_becomes_collection_from_to()
    {
        var location = new StorageLocation { Location = "s3://b/p?region=eu", CredentialsSecretRef = new SecretReference { Name = "bucket" } };
        var request = Request(new RestoreSource { Location = location.Location, PointInTime = new DateTime(2026, 11, 23, 3, 0, 0, DateTimeKind.Utc) }, t =>
        {
            t.Collections = [new CollectionMapping { From = "a", To = "b" }, new CollectionMapping { From = "c" }];
            t.OnExisting = OnExistingPolicy.Replace;
            t.SwitchAlias = "live";
        });

        var job = Jobs.Restore(request, location);

        Assert.Equal("rr-restore", job.Metadata.Name);
        Assert.Equal("uid-1", job.Metadata.OwnerReferences.Single().Uid);
        Assert.True(job.Metadata.OwnerReferences.Single().Controller);
        Assert.Equal(0, job.Spec.BackoffLimit); // never retried: one attempt, one result
        Assert.Equal(600, job.Spec.ActiveDeadlineSeconds);
        var container = job.Spec.Template.Spec.Containers.Single();
        Assert.Equal(["restore", "s3://b/p?region=eu", "--at", "2026-11-23T03:00:00Z", "--qdrant", "https://qdrant-dr:6333", "--ca-cert", "/etc/vectordr/qdrant-ca/ca.crt",
            "--collection", "a:b", "--collection", "c", "--on-existing", "replace", "--switch-alias", "live", "--json"], container.Args);
        Assert.Equal(["QDRANT_API_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"], container.Env.Select(e => e.Name));
        Assert.All(container.Env, e => Assert.NotNull(e.ValueFrom.SecretKeyRef));
        Assert.Equal("rr", job.Metadata.Labels[JobNames.RestoreLabel]);
    }

    [Fact]
    public void A_source_with_a_private_CA_gets_it_mounted_beside_Qdrants_and_named_by_AWS_CA_BUNDLE()
    {
        var location = new StorageLocation
        {
            Location = "s3://b/p?endpoint=https://rgw.dc1", CredentialsSecretRef = new SecretReference { Name = "bucket" },
            Tls = new StorageTls { CaSecretRef = new SecretReference { Name = "dc-ca" } },
        };

        var pod = Jobs.Restore(Request(new RestoreSource { Location = location.Location, Latest = true }), location).Spec.Template.Spec;

        Assert.Equal([("qdrant-ca", "qdrant-ca"), ("storage-ca-0", "dc-ca")], pod.Volumes.Where(v => v.Secret is not null).Select(v => (v.Name, v.Secret.SecretName)));
        var container = pod.Containers.Single();
        Assert.Equal(["/etc/vectordr/qdrant-ca", "/etc/vectordr/storage-ca/dc-ca"],
            container.VolumeMounts.Where(m => m.Name != "tmp").Select(m => m.MountPath));
        Assert.Equal("/etc/vectordr/storage-ca/dc-ca/ca.crt", container.Env.Single(e => e.Name == "AWS_CA_BUNDLE").Value);
        Assert.DoesNotContain("--via", container.Args); // the CLI streams by itself when the store's CA is private
    }

    [Fact]
    public void A_file_location_on_a_claim_is_mounted_at_its_path()
    {
        var location = new StorageLocation { Location = "file:///backups/prod", PersistentVolumeClaim = new PersistentVolumeClaimReference { ClaimName = "prod-backups" } };

        var pod = Jobs.Restore(Request(new RestoreSource { Location = location.Location, Latest = true }), location).Spec.Template.Spec;

        Assert.Equal("prod-backups", pod.Volumes.Single(v => v.Name == "storage-0").PersistentVolumeClaim.ClaimName);
        Assert.Equal("/backups/prod", pod.Containers.Single().VolumeMounts.Single(m => m.Name == "storage-0").MountPath);
        Assert.Equal("file:///backups/prod", pod.Containers.Single().Args[1]);
    }

    [Fact]
    public void Backup_id_and_latest_select_as_given()
    {
        Assert.Equal(["--id", "X"], RestoreJobs.Selector(new RestoreSource { BackupId = "X" }));
        Assert.Equal(["--latest"], RestoreJobs.Selector(new RestoreSource { Latest = true }));
        Assert.Equal("2026-01-02T03:04:05.5Z", RestoreJobs.Rfc3339(new DateTime(2026, 1, 2, 3, 4, 5, 500, DateTimeKind.Utc)));
    }
}
