using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using VectorDR.Core.Errors;

namespace VectorDR.Storage.S3;

/// <summary>
/// Credentials come only from the standard AWS environment, in this order: access keys (AWS_ACCESS_KEY_ID /
/// AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN), a service account's web identity (AWS_ROLE_ARN and
/// AWS_WEB_IDENTITY_TOKEN_FILE, as the EKS IRSA webhook injects them), the shared credentials file — never from a
/// location string or a command-line value (those end up in shell history, resources and logs). The SDK's full default
/// chain is not used: probing EC2/ECS metadata endpoints on a laptop or a loopback test only adds slow timeouts.
/// </summary>
internal static class S3Credentials
{
    public static AWSCredentials Resolve(Func<string, string?> environment)
    {
        var accessKey = NonEmpty(environment("AWS_ACCESS_KEY_ID"));
        var secretKey = NonEmpty(environment("AWS_SECRET_ACCESS_KEY"));
        var sessionToken = NonEmpty(environment("AWS_SESSION_TOKEN"));
        if (accessKey is not null && secretKey is not null)
        {
            return sessionToken is null ? new BasicAWSCredentials(accessKey, secretKey) : new SessionAWSCredentials(accessKey, secretKey, sessionToken);
        }

        if (accessKey is not null || secretKey is not null)
        {
            var missing = accessKey is null ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY";
            throw new InvalidInputException($"S3 credentials: {missing} is not set (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together)");
        }

        if (WebIdentity(environment) is { } webIdentity) return webIdentity;

        var explicitFile = NonEmpty(environment("AWS_SHARED_CREDENTIALS_FILE"));
        var home = NonEmpty(environment("HOME")) ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var file = explicitFile ?? Path.Combine(home, ".aws", "credentials");
        var profileName = NonEmpty(environment("AWS_PROFILE")) ?? "default";
        if (File.Exists(file))
        {
            var store = new SharedCredentialsFile(file);
            if (store.TryGetProfile(profileName, out var profile) && AWSCredentialsFactory.TryGetAWSCredentials(profile, store, out var credentials))
            {
                return credentials;
            }

            throw new InvalidInputException($"S3 credentials: profile '{profileName}' is missing or incomplete in {file}");
        }

        if (explicitFile is not null)
        {
            throw new InvalidInputException($"S3 credentials: AWS_SHARED_CREDENTIALS_FILE names {explicitFile}, which does not exist");
        }

        throw new InvalidInputException(
            "S3 credentials: none found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials), " +
            "AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE (a service account's IAM role), " +
            "or provide a shared credentials file (AWS_SHARED_CREDENTIALS_FILE, AWS_PROFILE)");
    }

    private static WebIdentityCredentials? WebIdentity(Func<string, string?> environment)
    {
        var roleArn = NonEmpty(environment("AWS_ROLE_ARN"));
        var tokenFile = NonEmpty(environment("AWS_WEB_IDENTITY_TOKEN_FILE"));
        if (roleArn is null && tokenFile is null) return null;
        if (roleArn is null || tokenFile is null)
        {
            var missing = roleArn is null ? "AWS_ROLE_ARN" : "AWS_WEB_IDENTITY_TOKEN_FILE";
            throw new InvalidInputException($"S3 credentials: {missing} is not set (AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE go together)");
        }

        if (!File.Exists(tokenFile))
            throw new InvalidInputException($"S3 credentials: AWS_WEB_IDENTITY_TOKEN_FILE names {tokenFile}, which does not exist");
        return new WebIdentityCredentials(roleArn, tokenFile, NonEmpty(environment("AWS_ROLE_SESSION_NAME")),
            NonEmpty(environment("AWS_REGION")) ?? NonEmpty(environment("AWS_DEFAULT_REGION")), NonEmpty(environment("AWS_ENDPOINT_URL_STS")));
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
