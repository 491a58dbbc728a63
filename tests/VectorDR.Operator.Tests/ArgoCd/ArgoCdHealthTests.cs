using k8s.Models;
using VectorDR.ControllerRuntime.Entities;
using VectorDR.Operator.Entities;
using VectorDR.Operator.Tests.Integration;

namespace VectorDR.Operator.Tests.ArgoCd;

/// <summary>The Argo CD health checks in config/argocd tell an application's story as the conditions do.</summary>
public sealed class ArgoCdHealthTests
{
    private static readonly DateTime At = new(2026, 12, 2, 3, 0, 0, DateTimeKind.Utc);

    private static BackupPolicy Policy(long generation = 1, long? observed = 1, bool suspend = false, params Condition[] conditions) => new()
    {
        ApiVersion = "dr.vectordr.io/v1alpha1", Kind = "BackupPolicy",
        Metadata = new V1ObjectMeta { Name = "docs", NamespaceProperty = "search", Generation = generation },
        Spec = new BackupPolicySpec { Schedule = "@daily", Suspend = suspend },
        Status = new BackupPolicyStatus { ObservedGeneration = observed, Conditions = [.. conditions] },
    };

    private static Condition C(string type, ConditionStatus status, string reason = "", string message = "") =>
        new() { Type = type, Status = status, Reason = reason, Message = message, LastTransitionTime = At };

    private static Condition ReadyTrue => C("Ready", ConditionStatus.True, "Validated", "spec is valid and every referenced Secret exists");

    [Fact]
    public void A_policy_the_operator_has_not_checked_yet_is_progressing()
    {
        Assert.Equal("Progressing", ArgoCdHealth.Of("BackupPolicy", Policy(observed: null)).Status);
        Assert.Equal("Progressing", ArgoCdHealth.Of("BackupPolicy", Policy(generation: 3, observed: 2, conditions: ReadyTrue)).Status);
        // no status at all, as Argo CD sees a policy right after applying it
        Assert.Equal("Progressing", ArgoCdHealth.Of("BackupPolicy",
            """{"apiVersion":"dr.vectordr.io/v1alpha1","kind":"BackupPolicy","metadata":{"name":"docs","generation":1},"spec":{}}""").Status);
    }

    [Fact]
    public void A_policy_that_cannot_run_is_degraded_and_says_why()
    {
        var health = ArgoCdHealth.Of("BackupPolicy", Policy(conditions:
            C("Ready", ConditionStatus.False, "SecretNotFound", "spec.source.qdrant.apiKeySecretRef: Secret search/qdrant not found")));
        Assert.Equal(new ArgoCdHealth.Health("Degraded", "SecretNotFound: spec.source.qdrant.apiKeySecretRef: Secret search/qdrant not found"), health);
    }

    [Theory]
    [InlineData("LastBackupSucceeded", "BackupFailed", "Job docs-backup-1: collection 'docs' not found")]
    [InlineData("RPOMet", "RPOMissed", "the newest backup is 26h old, the RPO is 24h")]
    [InlineData("ReplicasInSync", "ReplicaLagging", "standby holds 20261201-030000 (copy failed: AccessDenied)")]
    public void A_policy_that_stopped_protecting_the_data_is_degraded(string type, string reason, string message)
    {
        Condition[] healthy = [ReadyTrue, C("LastBackupSucceeded", ConditionStatus.True, "BackupSucceeded"), C("RPOMet", ConditionStatus.True, "RPOMet"),
            C("ReplicasInSync", ConditionStatus.True, "InSync")];
        var conditions = healthy.Select(c => c.Type == type ? C(type, ConditionStatus.False, reason, message) : c).ToArray();
        var health = ArgoCdHealth.Of("BackupPolicy", Policy(conditions: conditions));
        Assert.Equal(new ArgoCdHealth.Health("Degraded", $"{reason}: {message}"), health);
    }

    [Fact]
    public void A_valid_policy_waiting_for_its_first_backup_is_healthy_and_says_when_it_is_due()
    {
        var policy = Policy(conditions: [ReadyTrue, C("LastBackupSucceeded", ConditionStatus.Unknown, "NoBackupYet")]);
        policy.Status.NextScheduleTime = At;
        Assert.Equal(new ArgoCdHealth.Health("Healthy", "No backup yet; the first is due at 2026-12-02T03:00:00Z"), ArgoCdHealth.Of("BackupPolicy", policy));
    }

    [Fact]
    public void A_policy_whose_last_backup_succeeded_is_healthy_and_a_suspended_one_says_so()
    {
        var policy = Policy(conditions: [ReadyTrue, C("LastBackupSucceeded", ConditionStatus.True, "BackupSucceeded"), C("RPOMet", ConditionStatus.True, "RPOMet")]);
        policy.Status.LastSuccessfulBackup = new BackupReference { Id = "20261202-030000-ab12", CompletedAt = At };
        Assert.Equal(new ArgoCdHealth.Health("Healthy", "Last backup 20261202-030000-ab12 succeeded"), ArgoCdHealth.Of("BackupPolicy", policy));

        Assert.Equal("Suspended", ArgoCdHealth.Of("BackupPolicy", Policy(suspend: true, conditions: ReadyTrue)).Status);
    }

    private static RestoreRequest Restore(RestorePhase? phase, string? message = null, params Condition[] conditions) => new()
    {
        ApiVersion = "dr.vectordr.io/v1alpha1", Kind = "RestoreRequest",
        Metadata = new V1ObjectMeta { Name = "restore-prod", NamespaceProperty = "search", Generation = 1 },
        Spec = new RestoreRequestSpec(),
        Status = new RestoreRequestStatus { ObservedGeneration = 1, Phase = phase, Message = message, Conditions = [.. conditions] },
    };

    [Fact]
    public void A_restore_progresses_until_verified_or_failed()
    {
        Assert.Equal(new ArgoCdHealth.Health("Progressing", "Waiting for the operator"), ArgoCdHealth.Of("RestoreRequest", Restore(null)));
        Assert.Equal(new ArgoCdHealth.Health("Progressing", "Pending: SecretNotFound: spec.source.credentialsSecretRef: Secret search/bucket not found"),
            ArgoCdHealth.Of("RestoreRequest", Restore(RestorePhase.Pending, conditions:
                C("Ready", ConditionStatus.False, "SecretNotFound", "spec.source.credentialsSecretRef: Secret search/bucket not found"))));
        Assert.Equal(new ArgoCdHealth.Health("Progressing", "Running"), ArgoCdHealth.Of("RestoreRequest", Restore(RestorePhase.Running, conditions: ReadyTrue)));
        Assert.Equal(new ArgoCdHealth.Health("Healthy", "restored 1 collection in 42 s, verified"),
            ArgoCdHealth.Of("RestoreRequest", Restore(RestorePhase.Succeeded, "restored 1 collection in 42 s, verified")));
        Assert.Equal(new ArgoCdHealth.Health("Degraded", "recall 0.81 below 0.95 for 'docs'"),
            ArgoCdHealth.Of("RestoreRequest", Restore(RestorePhase.Failed, "recall 0.81 below 0.95 for 'docs'")));
    }

    [Fact]
    public async Task The_operator_s_own_status_reads_as_Degraded_then_Healthy_once_the_Secret_exists()
    {
        // Objects as the operator writes them and Argo CD reads them back from the API server.
        await using var h = await OperatorHarness.StartAsync();
        await h.StartOperatorAsync("op");
        await h.CreatePolicyAsync("docs", apiKeySecret: "qdrant-key");
        await OperatorHarness.EventuallyAsync(async () => (await h.ReadyAsync("docs"))?.Status == ConditionStatus.False, "Ready False", TimeSpan.FromSeconds(30));

        var missing = ArgoCdHealth.Of("BackupPolicy", (await h.GetPolicyAsync("docs"))!);
        Assert.Equal("Degraded", missing.Status);
        Assert.Contains("SecretNotFound", missing.Message);
        Assert.Contains("qdrant-key", missing.Message);

        await h.CreateSecretAsync("default", "qdrant-key", "api-key");
        await OperatorHarness.EventuallyAsync(async () => (await h.ReadyAsync("docs"))?.Status == ConditionStatus.True, "Ready True", TimeSpan.FromSeconds(30));
        var ready = ArgoCdHealth.Of("BackupPolicy", (await h.GetPolicyAsync("docs"))!);
        Assert.Equal("Healthy", ready.Status);
        Assert.StartsWith("No backup yet; the first is due at ", ready.Message);
    }
}
