using k8s.Models;
using VectorDR.Operator.Entities;
using VectorDR.Operator.Validation;

namespace VectorDR.Operator.Tests.Validation;

public sealed class BackupPolicyValidatorTests
{
    internal static BackupPolicySpec ValidSpec() => new()
    {
        Source = new BackupSource
        {
            Qdrant = new QdrantEndpoint { Url = "http://qdrant:6333", ApiKeySecretRef = new SecretKeyReference { Name = "qdrant", Key = "api-key" } },
        },
        Schedule = "*/15 * * * *",
        Storage = new StorageLocation
        {
            Location = "s3://bucket/prefix?endpoint=http://127.0.0.1:7480&region=us-east-1&pathStyle=true&checksum=when-required",
            CredentialsSecretRef = new SecretReference { Name = "s3" },
        },
    };

    internal static V1Secret Secret(string name, params string[] keys) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Data = keys.ToDictionary(k => k, _ => "c2VjcmV0"u8.ToArray()),
    };

    /// <summary>Every claim exists: for the tests that are about something else.</summary>
    internal static readonly Func<string, V1PersistentVolumeClaim?> AnyClaim = name => new V1PersistentVolumeClaim { Metadata = new V1ObjectMeta { Name = name } };

    internal static Func<string, V1Secret?> Secrets(params V1Secret[] secrets) =>
        name => secrets.FirstOrDefault(s => s.Metadata.Name == name);

    private static readonly Func<string, V1Secret?> AllSecrets =
        Secrets(Secret("qdrant", "api-key"), Secret("s3", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"));

    [Fact]
    public void Valid_spec_passes() => Assert.Null(BackupPolicyValidator.Validate(ValidSpec(), AllSecrets, AnyClaim).Error);

    [Theory]
    [InlineData("@hourly")]
    [InlineData("@daily")]
    [InlineData("@weekly")]
    [InlineData("0 3 * * 1-5")]
    public void Cron_macros_and_expressions_parse(string schedule)
    {
        var spec = ValidSpec();
        spec.Schedule = schedule;
        Assert.Null(BackupPolicyValidator.Validate(spec, AllSecrets, AnyClaim).Error);
    }

    [Fact]
    public void Bad_cron_names_the_field()
    {
        var spec = ValidSpec();
        spec.Schedule = "*/x * * * *";
        var error = BackupPolicyValidator.Validate(spec, AllSecrets, AnyClaim).Error!;
        Assert.Equal(Reasons.InvalidSchedule, error.Reason);
        Assert.StartsWith("spec.schedule: \"*/x * * * *\" is not a valid cron expression: ", error.Message);
    }

    [Fact]
    public void Unknown_time_zone()
    {
        var spec = ValidSpec();
        spec.TimeZone = "Mars/Olympus";
        var error = BackupPolicyValidator.Validate(spec, AllSecrets, AnyClaim).Error!;
        Assert.Equal(Reasons.InvalidTimeZone, error.Reason);
        Assert.Contains("spec.timeZone", error.Message);
    }

    [Theory]
    [InlineData("s3:///prefix", "bucket is missing")]
    [InlineData("s3://Bad_Bucket/x", "not a valid bucket name")]
    [InlineData("s3://bucket/x?endpont=http://x", "unknown query key \"endpont\"")]
    [InlineData("s3://bucket/x?endpoint=ftp://x", "not an http(s) URL")]
    [InlineData("s3://bucket/x?pathStyle=yes", "pathStyle must be true or false")]
    [InlineData("s3://bucket/x?checksum=always", "checksum must be")]
    [InlineData("file://relative/path", "absolute path")]
    [InlineData("file:///backups/../etc", "may not contain ..")]
    public void Bad_locations_are_explained(string location, string expected)
    {
        var spec = ValidSpec();
        spec.Storage = new StorageLocation { Location = location };
        var error = BackupPolicyValidator.Validate(spec, AllSecrets, AnyClaim).Error!;
        Assert.Equal(Reasons.InvalidLocation, error.Reason);
        Assert.StartsWith("spec.storage.location: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Replica_location_errors_name_the_replica_index()
    {
        var spec = ValidSpec();
        spec.Replicas = [new ReplicaLocation { Name = "dr", Location = "file:///ok" }, new ReplicaLocation { Name = "dr2", Location = "s3://" }];
        var error = BackupPolicyValidator.Validate(spec, AllSecrets, AnyClaim).Error!;
        Assert.StartsWith("spec.replicas[1].location", error.Message);
    }

    [Fact]
    public void Missing_secret_and_missing_key_are_distinct_reasons()
    {
        var missingSecret = BackupPolicyValidator.Validate(ValidSpec(), Secrets(Secret("s3", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")), AnyClaim).Error!;
        Assert.Equal(Reasons.SecretNotFound, missingSecret.Reason);
        Assert.Equal("spec.source.qdrant.apiKeySecretRef: Secret \"qdrant\" not found", missingSecret.Message);

        var missingKey = BackupPolicyValidator.Validate(ValidSpec(), Secrets(Secret("qdrant", "api-key"), Secret("s3", "AWS_ACCESS_KEY_ID")), AnyClaim).Error!;
        Assert.Equal(Reasons.SecretKeyNotFound, missingKey.Reason);
        Assert.Equal("spec.storage.credentialsSecretRef: Secret \"s3\" has no key \"AWS_SECRET_ACCESS_KEY\"", missingKey.Message);
    }

    private static BackupPolicySpec HttpsSpec(string endpoint = "https://rgw.dc1:443", string location = "")
    {
        var spec = ValidSpec();
        spec.Storage.Location = location.Length > 0 ? location : $"s3://bucket/prefix?endpoint={endpoint}&pathStyle=true";
        spec.Storage.Tls = new StorageTls { CaSecretRef = new SecretReference { Name = "dc-ca" } };
        return spec;
    }

    private static readonly Func<string, V1Secret?> SecretsWithCa =
        Secrets(Secret("qdrant", "api-key"), Secret("s3", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"), Secret("dc-ca", "ca.crt"));

    [Fact]
    public void A_storage_CA_Secret_must_exist_with_ca_crt()
    {
        Assert.Null(BackupPolicyValidator.Validate(HttpsSpec(), SecretsWithCa, AnyClaim).Error);

        var missing = BackupPolicyValidator.Validate(HttpsSpec(), AllSecrets, AnyClaim).Error!;
        Assert.Equal((Reasons.SecretNotFound, "spec.storage.tls.caSecretRef: Secret \"dc-ca\" not found"), (missing.Reason, missing.Message));

        var wrongKey = BackupPolicyValidator.Validate(HttpsSpec(), Secrets(Secret("qdrant", "api-key"), Secret("s3", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
            Secret("dc-ca", "tls.crt")), AnyClaim).Error!;
        Assert.Equal((Reasons.SecretKeyNotFound, "spec.storage.tls.caSecretRef: Secret \"dc-ca\" has no key \"ca.crt\""), (wrongKey.Reason, wrongKey.Message));

        var replica = ValidSpec();
        replica.Replicas = [new ReplicaLocation { Name = "dc2", Location = "s3://standby/p", Tls = new StorageTls { CaSecretRef = new SecretReference { Name = "dc2-ca" } } }];
        Assert.Equal("spec.replicas[0].tls.caSecretRef: Secret \"dc2-ca\" not found", BackupPolicyValidator.Validate(replica, SecretsWithCa, AnyClaim).Error!.Message);
    }

    [Theory]
    [InlineData("http://rgw.dc1:7480", "", "spec.storage.tls.caSecretRef: the location's endpoint http://rgw.dc1:7480 is plain http; a CA bundle needs https")]
    [InlineData("", "file:///backups", "spec.storage.tls.caSecretRef: a CA bundle applies to s3:// locations only")]
    public void A_CA_bundle_where_no_TLS_happens_is_refused(string endpoint, string location, string expected)
    {
        var spec = HttpsSpec(endpoint, location);
        if (location.Length > 0) spec.Storage.CredentialsSecretRef = null; // credentials on a file:// location have an error of their own
        var error = BackupPolicyValidator.Validate(spec, SecretsWithCa, AnyClaim).Error!;
        Assert.Equal((Reasons.InvalidLocation, expected), (error.Reason, error.Message));
    }

    [Theory]
    [InlineData("s3://bucket/p", "spec.storage.persistentVolumeClaim: a volume applies to file:// locations only")]
    [InlineData("file:///", "spec.storage.persistentVolumeClaim: a volume cannot be mounted at /; name a folder (file:///backups)")]
    public void A_claim_only_goes_with_a_file_location_below_the_root(string location, string expected)
    {
        var spec = ValidSpec();
        spec.Storage = new StorageLocation { Location = location, PersistentVolumeClaim = new PersistentVolumeClaimReference { ClaimName = "backups" } };
        var error = BackupPolicyValidator.Validate(spec, AllSecrets, AnyClaim).Error!;
        Assert.Equal((Reasons.InvalidLocation, expected), (error.Reason, error.Message));
    }

    [Fact]
    public void A_claim_that_does_not_exist_names_the_field_and_the_claim()
    {
        var spec = ValidSpec();
        spec.Replicas = [new ReplicaLocation { Name = "dr", Location = "file:///dr", PersistentVolumeClaim = new PersistentVolumeClaimReference { ClaimName = "dr-backups" } }];

        var error = BackupPolicyValidator.Validate(spec, AllSecrets, _ => null).Error!;

        Assert.Equal((Reasons.PersistentVolumeClaimNotFound, "spec.replicas[0].persistentVolumeClaim: PersistentVolumeClaim \"dr-backups\" not found"),
            (error.Reason, error.Message));
    }

    [Fact]
    public void Two_locations_on_one_claim_are_refused_naming_the_first_holder()
    {
        var spec = ValidSpec();
        spec.Replicas =
        [
            new ReplicaLocation { Name = "a", Location = "file:///dr/a", PersistentVolumeClaim = new PersistentVolumeClaimReference { ClaimName = "dr" } },
            new ReplicaLocation { Name = "b", Location = "file:///dr/b", PersistentVolumeClaim = new PersistentVolumeClaimReference { ClaimName = "dr" } },
        ];
        Assert.Equal("spec.replicas[1].persistentVolumeClaim: claim \"dr\" already holds spec.replicas[0]; a replica on the same volume is the same folder",
            BackupPolicyValidator.Validate(spec, AllSecrets, AnyClaim).Error!.Message);

        spec.Replicas[1].PersistentVolumeClaim!.ClaimName = "dr-b";
        Assert.Null(BackupPolicyValidator.Validate(spec, AllSecrets, AnyClaim).Error);
    }

    [Fact]
    public void Secret_values_never_appear_in_messages()
    {
        var spec = ValidSpec();
        spec.Source.Qdrant.ApiKeySecretRef!.Key = "other";
        var error = BackupPolicyValidator.Validate(spec, AllSecrets, AnyClaim).Error!;
        Assert.DoesNotContain("secret", error.Message.Replace("Secret", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Credentials_in_a_location_are_redacted()
    {
        var spec = ValidSpec();
        spec.Storage = new StorageLocation { Location = "s3://AKIA:hunter2@Bad_Bucket/x" };
        var error = BackupPolicyValidator.Validate(spec, AllSecrets, AnyClaim).Error!;
        Assert.DoesNotContain("hunter2", error.Message);
    }
}
