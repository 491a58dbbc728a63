using System.Text.Json.Nodes;

namespace VectorDR.Operator.Tests.Manifests;

public sealed class SampleValidationTests
{
    public static TheoryData<string> Samples()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "config", "samples"), "dr_*.yaml").Order())
            data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_is_valid_against_its_crd(string file)
    {
        var errors = SchemaValidator.Validate(File.ReadAllText(Path.Combine(RepoPaths.Root, "config", "samples", file)));
        Assert.True(errors.Count == 0, SchemaValidator.Describe(errors));
    }

    [Fact]
    public void There_is_a_sample_of_every_kind()
    {
        var kinds = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "config", "samples"), "dr_*.yaml")
            .Select(f => SchemaValidator.YamlToJson(File.ReadAllText(f))["kind"]!.GetValue<string>())
            .ToHashSet();
        Assert.Equal(["BackupPolicy", "FailoverPlan", "RestoreRequest"], kinds.Order());
    }

    private const string MinimalPolicy = """
        apiVersion: dr.vectordr.io/v1alpha1
        kind: BackupPolicy
        metadata:
          name: p
          namespace: default
        spec:
          source:
            qdrant:
              url: http://qdrant:6333
          schedule: "@hourly"
          storage:
            location: file:///backups/p
        """;

    private const string MinimalRestore = """
        apiVersion: dr.vectordr.io/v1alpha1
        kind: RestoreRequest
        metadata:
          name: r
        spec:
          source:
            backupPolicyRef:
              name: p
            latest: true
          target:
            qdrant:
              url: http://qdrant:6333
        """;

    private const string MinimalFailover = """
        apiVersion: dr.vectordr.io/v1alpha1
        kind: FailoverPlan
        metadata:
          name: f
        spec:
          primary:
            name: a
            qdrant:
              url: http://a:6333
          standby:
            name: b
            qdrant:
              url: http://b:6333
          backupPolicyRef:
            name: p
        """;

    [Theory]
    [InlineData(MinimalPolicy)]
    [InlineData(MinimalRestore)]
    [InlineData(MinimalFailover)]
    public void Minimal_manifests_are_valid(string yaml)
    {
        var errors = SchemaValidator.Validate(yaml);
        Assert.True(errors.Count == 0, SchemaValidator.Describe(errors));
    }

    /// <summary>(manifest, JSON path to set or remove, new value as JSON or null to remove, field the error must name).</summary>
    public static TheoryData<string, string, string?, string> BadManifests() => new()
    {
        { "policy", "spec.retention.keepLast", "-1", "keepLast" },
        { "policy", "spec.retention.keepDaily", "\"seven\"", "keepDaily" },
        { "policy", "spec.verification.topK", "0", "topK" },
        { "policy", "spec.verification.probes", "100000", "probes" },
        { "policy", "spec.schedule", "\"every hour\"", "schedule" },
        { "policy", "spec.schedule", "\"* * *\"", "schedule" },
        { "policy", "spec.schedule", null, "schedule" },
        { "policy", "spec.storage", null, "storage" },
        { "policy", "spec.storage.location", "\"gs://bucket/x\"", "location" },
        { "policy", "spec.source.qdrant.url", "\"qdrant:6333\"", "url" },
        { "policy", "spec.source.qdrant.apiKeySecretRef", "{\"name\":\"s\"}", "key" },
        { "policy", "spec.rpo", "\"1 hour\"", "rpo" },
        { "policy", "spec.suspend", "\"yes\"", "suspend" },
        { "policy", "spec.startingDeadlineSeconds", "-5", "startingDeadlineSeconds" },
        { "policy", "spec.jobTemplate", "{\"backoffLimit\": -1}", "backoffLimit" },
        { "policy", "spec.jobTemplate", "{\"tolerations\": [{\"operator\": \"Maybe\"}]}", "operator" },
        { "policy", "spec.replicas", "[{\"name\": \"Bad_Name\", \"location\": \"s3://b/p\"}]", "name" },
        { "policy", "spec.replicas", "[{\"location\": \"s3://b/p\"}]", "name" },
        { "policy", "spec.retention.keepLastt", "3", "keepLastt" },
        { "restore", "spec.target.onExisting", "\"Overwrite\"", "onExisting" },
        { "restore", "spec.target.qdrant", null, "qdrant" },
        { "restore", "spec.source.pointInTime", "\"yesterday\"", "pointInTime" },
        { "restore", "spec.target.collections", "[{\"to\": \"x\"}]", "from" },
        { "failover", "spec.activeSide", "\"Standby\"", "activeSide" },
        { "failover", "spec.standbySync", "\"Sometimes\"", "standbySync" },
        { "failover", "spec.automatic", "{\"failureThreshold\": 0}", "failureThreshold" },
        { "failover", "spec.fencing", "{\"mode\": \"Shoot\"}", "mode" },
        { "failover", "spec.backupPolicyRef", null, "backupPolicyRef" },
    };

    [Theory]
    [MemberData(nameof(BadManifests))]
    public void Bad_manifest_is_rejected_naming_the_field(string manifest, string path, string? value, string field)
    {
        var json = SchemaValidator.YamlToJson(manifest switch
        {
            "policy" => MinimalPolicy,
            "restore" => MinimalRestore,
            _ => MinimalFailover,
        });
        var segments = path.Split('.');
        var parent = segments[..^1].Aggregate(json, (node, s) => node[s] ??= new JsonObject());
        if (value is null) parent.AsObject().Remove(segments[^1]);
        else parent[segments[^1]] = JsonNode.Parse(value);

        var errors = SchemaValidator.Flatten(SchemaValidator.Validate(json)).ToList();
        Assert.NotEmpty(errors);
        Assert.Contains(errors, e => (e.Path ?? "").Contains(field, StringComparison.Ordinal) || e.Property == field);
    }
}
