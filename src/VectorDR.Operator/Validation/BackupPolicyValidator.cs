using Cronos;
using k8s.Models;
using VectorDR.Operator.Entities;

namespace VectorDR.Operator.Validation;

/// <summary>Why a policy is not Ready: a condition reason and a message naming the field.</summary>
public sealed record ValidationError(string Reason, string Message);

public static class Reasons
{
    public const string Validated = "Validated";
    public const string InvalidSchedule = "InvalidSchedule";
    public const string InvalidTimeZone = "InvalidTimeZone";
    public const string InvalidLocation = "InvalidLocation";
    public const string SecretNotFound = "SecretNotFound";
    public const string SecretKeyNotFound = "SecretKeyNotFound";
    public const string PersistentVolumeClaimNotFound = "PersistentVolumeClaimNotFound";
}

/// <summary>
/// Checks what the CRD schema cannot: the cron expression and time zone parse, storage locations parse, and the
/// referenced Secrets and keys and PersistentVolumeClaims exist (a pod naming a missing one waits forever instead of
/// failing). Reads them through lookups (the informer caches) and only ever looks at Secrets' key names, never at values.
/// </summary>
public static class BackupPolicyValidator
{
    public const string AccessKeyId = "AWS_ACCESS_KEY_ID";
    public const string SecretAccessKey = "AWS_SECRET_ACCESS_KEY";

    public sealed record Result(ValidationError? Error, CronExpression? Cron, TimeZoneInfo? TimeZone);

    public static Result Validate(BackupPolicySpec spec, Func<string, V1Secret?> findSecret, Func<string, V1PersistentVolumeClaim?> findClaim)
    {
        if (!TryParseCron(spec.Schedule, out var cron, out var cronError))
            return Fail(Reasons.InvalidSchedule, $"spec.schedule: \"{spec.Schedule}\" is not a valid cron expression: {cronError}");

        if (!TryFindTimeZone(spec.TimeZone, out var zone))
            return Fail(Reasons.InvalidTimeZone, $"spec.timeZone: \"{spec.TimeZone}\" is not a known IANA time zone");

        var error = CheckLocation("spec.storage", spec.Storage, findSecret, findClaim);
        for (var i = 0; error is null && i < (spec.Replicas?.Count ?? 0); i++)
            error = CheckLocation($"spec.replicas[{i}]", spec.Replicas![i], findSecret, findClaim);
        error ??= CheckClaimsAreDistinct(spec);
        error ??= CheckQdrant("spec.source.qdrant", spec.Source.Qdrant, findSecret);

        return error is null ? new Result(null, cron, zone) : new Result(error, null, null);
    }

    public static bool TryParseCron(string expression, out CronExpression? cron, out string error)
    {
        try
        {
            cron = CronExpression.Parse(expression.Trim(), CronFormat.Standard);
            error = "";
            return true;
        }
        catch (CronFormatException e)
        {
            cron = null;
            error = e.Message;
            return false;
        }
    }

    public static bool TryFindTimeZone(string id, out TimeZoneInfo? zone)
    {
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(string.IsNullOrEmpty(id) ? "UTC" : id);
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            zone = null;
            return false;
        }
    }

    private static ValidationError? CheckLocation(string field, StorageLocation storage, Func<string, V1Secret?> findSecret, Func<string, V1PersistentVolumeClaim?> findClaim)
    {
        if (StorageLocationRules.Check(field, storage) is { } invalid) return invalid;
        if (storage.CredentialsSecretRef is { } credentials
            && CheckSecretKeys($"{field}.credentialsSecretRef", credentials.Name, [AccessKeyId, SecretAccessKey], findSecret) is { } noCredentials)
            return noCredentials;
        if (storage.PersistentVolumeClaim is { } claim && findClaim(claim.ClaimName) is null)
            return new ValidationError(Reasons.PersistentVolumeClaimNotFound, $"{field}.persistentVolumeClaim: PersistentVolumeClaim \"{claim.ClaimName}\" not found");
        return storage.Tls?.CaSecretRef is { } ca ? CheckSecretKeys($"{field}.tls.caSecretRef", ca.Name, ["ca.crt"], findSecret) : null;
    }

    /// <summary>A claim's root is its location: a replica on the primary's claim would be the same folder, no replica at all.</summary>
    private static ValidationError? CheckClaimsAreDistinct(BackupPolicySpec spec)
    {
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        if (spec.Storage.PersistentVolumeClaim?.ClaimName is { } primary) owners[primary] = "spec.storage";
        for (var i = 0; i < (spec.Replicas?.Count ?? 0); i++)
        {
            if (spec.Replicas![i].PersistentVolumeClaim?.ClaimName is not { } claim) continue;
            if (owners.TryGetValue(claim, out var owner))
                return new ValidationError(Reasons.InvalidLocation,
                    $"spec.replicas[{i}].persistentVolumeClaim: claim \"{claim}\" already holds {owner}; a replica on the same volume is the same folder");
            owners[claim] = $"spec.replicas[{i}]";
        }
        return null;
    }

    private static ValidationError? CheckQdrant(string field, QdrantEndpoint qdrant, Func<string, V1Secret?> findSecret)
    {
        if (qdrant.ApiKeySecretRef is { } apiKey)
        {
            var error = CheckSecretKeys($"{field}.apiKeySecretRef", apiKey.Name, [apiKey.Key], findSecret);
            if (error is not null) return error;
        }
        if (qdrant.Tls?.CaSecretRef is { } ca)
            return CheckSecretKeys($"{field}.tls.caSecretRef", ca.Name, ["ca.crt"], findSecret);
        return null;
    }

    private static ValidationError? CheckSecretKeys(string field, string name, IEnumerable<string> keys, Func<string, V1Secret?> findSecret)
    {
        var secret = findSecret(name);
        if (secret is null) return new ValidationError(Reasons.SecretNotFound, $"{field}: Secret \"{name}\" not found");
        foreach (var key in keys)
        {
            var present = secret.Data?.ContainsKey(key) == true || secret.StringData?.ContainsKey(key) == true;
            if (!present) return new ValidationError(Reasons.SecretKeyNotFound, $"{field}: Secret \"{name}\" has no key \"{key}\"");
        }
        return null;
    }

    private static Result Fail(string reason, string message) => new(new ValidationError(reason, message), null, null);
}
