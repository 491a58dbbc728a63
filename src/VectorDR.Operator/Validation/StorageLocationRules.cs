using VectorDR.Operator.Entities;

namespace VectorDR.Operator.Validation;

/// <summary>
/// What a storage location's fields must say about each other, whatever resource declares it (a BackupPolicy's
/// storage and replicas, a RestoreRequest's explicit source): the location parses, credentials and a CA bundle go
/// with s3:// (a CA with an https endpoint), a volume with a file:// folder. These need no lookups: what they find is
/// wrong in the spec itself, not something that may still appear.
/// </summary>
public static class StorageLocationRules
{
    /// <summary>The first broken rule, its message naming <paramref name="field"/>'s sub-field; null when the fields agree.</summary>
    public static ValidationError? Check(string field, StorageLocation storage)
    {
        if (!StorageLocationParser.TryParse(storage.Location, out var parsed, out var error))
            return Invalid($"{field}.location: \"{Redact(storage.Location)}\" is not a valid location: {error}");
        if (storage.CredentialsSecretRef is not null && !parsed!.IsS3)
            return Invalid($"{field}.credentialsSecretRef: credentials apply to s3:// locations only");
        if (storage.PersistentVolumeClaim is not null)
        {
            if (parsed!.IsS3) return Invalid($"{field}.persistentVolumeClaim: a volume applies to file:// locations only");
            if (parsed.Folder!.Length == 0) return Invalid($"{field}.persistentVolumeClaim: a volume cannot be mounted at /; name a folder (file:///backups)");
        }
        if (storage.Tls?.CaSecretRef is not null)
        {
            if (!parsed!.IsS3) return Invalid($"{field}.tls.caSecretRef: a CA bundle applies to s3:// locations only");
            if (parsed.Options.TryGetValue("endpoint", out var endpoint) && endpoint.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
                return Invalid($"{field}.tls.caSecretRef: the location's endpoint {endpoint} is plain http; a CA bundle needs https");
        }
        return null;
    }

    private static ValidationError Invalid(string message) => new(Reasons.InvalidLocation, message);

    // Locations carry no secrets by design, but a user may still paste credentials into a URL's user-info: never echo them.
    private static string Redact(string location)
    {
        var at = location.IndexOf('@');
        var scheme = location.IndexOf("://", StringComparison.Ordinal);
        return at > scheme && scheme >= 0 ? location[..(scheme + 3)] + "***" + location[at..] : location;
    }
}
