using k8s.Models;
using VectorDR.Operator.Hosting;
using VectorDR.Operator.Tests.Validation;
using VectorDR.Operator.Validation;

namespace VectorDR.Operator.Tests.Controllers;

public sealed class CacheTransformsTests
{
    [Fact]
    public void Cached_secrets_keep_their_key_names_and_no_value()
    {
        var secret = new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "s3", NamespaceProperty = "ns" },
            Data = new Dictionary<string, byte[]> { ["access-key"] = "AKIA-REAL"u8.ToArray(), ["secret-key"] = "hunter2"u8.ToArray() },
            StringData = new Dictionary<string, string> { ["token"] = "t0ken" },
        };

        var cached = CacheTransforms.KeysOnly(secret);

        Assert.Equal(["access-key", "secret-key"], cached.Data.Keys.Order());
        Assert.All(cached.Data.Values, v => Assert.Empty(v));
        Assert.Equal("", Assert.Single(cached.StringData).Value);
        Assert.Equal("s3", cached.Metadata.Name);
    }

    [Fact]
    public void A_policy_is_still_validated_against_the_keys_of_a_cached_secret()
    {
        var cached = CacheTransforms.KeysOnly(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "qdrant", NamespaceProperty = "ns" },
            Data = new Dictionary<string, byte[]> { ["api-key"] = "k"u8.ToArray() },
        });
        static Entities.BackupPolicySpec PolicyUsingKey(string key) => new()
        {
            Source = new Entities.BackupSource
            {
                Qdrant = new Entities.QdrantEndpoint { Url = "http://qdrant:6333", ApiKeySecretRef = new Entities.SecretKeyReference { Name = "qdrant", Key = key } },
            },
            Schedule = "@hourly",
            Storage = new Entities.StorageLocation { Location = "s3://bucket/prefix?region=us-east-1" },
        };

        Assert.Null(BackupPolicyValidator.Validate(PolicyUsingKey("api-key"), name => name == "qdrant" ? cached : null, BackupPolicyValidatorTests.AnyClaim).Error);
        Assert.Contains("has no key \"token\"", BackupPolicyValidator.Validate(PolicyUsingKey("token"), name => name == "qdrant" ? cached : null, BackupPolicyValidatorTests.AnyClaim).Error!.Message);
    }

    [Fact]
    public void Cached_jobs_keep_metadata_and_status_but_no_pod_template()
    {
        var job = new V1Job
        {
            Metadata = new V1ObjectMeta { Name = "p-202611240000", Labels = new Dictionary<string, string> { ["dr.vectordr.io/policy"] = "p" } },
            Spec = new V1JobSpec { BackoffLimit = 2, Template = new V1PodTemplateSpec { Spec = new V1PodSpec { Containers = [new V1Container { Name = "backup", Args = ["backup"] }] } } },
            Status = new V1JobStatus { Succeeded = 1 },
        };

        var cached = CacheTransforms.WithoutPodTemplate(job);

        Assert.Null(cached.Spec.Template);
        Assert.Equal(2, cached.Spec.BackoffLimit);
        Assert.Equal(1, cached.Status.Succeeded);
        Assert.Equal("p", cached.Metadata.Labels["dr.vectordr.io/policy"]);
    }
}
