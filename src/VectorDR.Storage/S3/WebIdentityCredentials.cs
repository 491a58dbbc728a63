using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using VectorDR.Core.Errors;

namespace VectorDR.Storage.S3;

/// <summary>
/// Temporary credentials for a Kubernetes service account's IAM role (IRSA on EKS, or any OIDC-federated role): STS
/// AssumeRoleWithWebIdentity with the projected service-account token. The token file is read again on every refresh
/// because the kubelet rotates it; the credentials are renewed before they expire (a multi-hour backup outlives them).
/// The token is a secret: it is sent to STS and never logged or put in a message.
/// </summary>
internal sealed class WebIdentityCredentials : RefreshingAWSCredentials
{
    private static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(5);

    private readonly string _roleArn;
    private readonly string _tokenFile;
    private readonly string _sessionName;
    private readonly AmazonSecurityTokenServiceConfig _stsConfig;

    public WebIdentityCredentials(string roleArn, string tokenFile, string? sessionName, string? region, string? stsEndpoint)
    {
        _roleArn = roleArn;
        _tokenFile = tokenFile;
        _sessionName = sessionName ?? $"vectordr-{Guid.NewGuid():N}"[..32];
        _stsConfig = new AmazonSecurityTokenServiceConfig { MaxErrorRetry = 3 };
        // The regional endpoint (what the EKS webhook asks for with AWS_STS_REGIONAL_ENDPOINTS=regional) unless one is named.
        if (stsEndpoint is not null) _stsConfig.ServiceURL = stsEndpoint;
        if (region is not null)
        {
            if (stsEndpoint is null) _stsConfig.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region);
            else _stsConfig.AuthenticationRegion = region;
        }

        PreemptExpiryTime = RefreshBefore;
    }

    protected override CredentialsRefreshState GenerateNewCredentials() =>
        GenerateNewCredentialsAsync().GetAwaiter().GetResult();

    protected override async Task<CredentialsRefreshState> GenerateNewCredentialsAsync()
    {
        string token;
        try
        {
            token = (await File.ReadAllTextAsync(_tokenFile).ConfigureAwait(false)).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException($"S3 credentials: AWS_WEB_IDENTITY_TOKEN_FILE {_tokenFile} cannot be read ({ex.GetType().Name}); " +
                                             "is the service account token projected into the pod?");
        }

        if (token.Length == 0) throw new InvalidInputException($"S3 credentials: AWS_WEB_IDENTITY_TOKEN_FILE {_tokenFile} is empty");

        using var sts = new AmazonSecurityTokenServiceClient(new AnonymousAWSCredentials(), _stsConfig);
        AssumeRoleWithWebIdentityResponse response;
        try
        {
            response = await sts.AssumeRoleWithWebIdentityAsync(new AssumeRoleWithWebIdentityRequest
            {
                RoleArn = _roleArn,
                RoleSessionName = _sessionName,
                WebIdentityToken = token,
            }).ConfigureAwait(false);
        }
        catch (AmazonServiceException ex)
        {
            // STS's own message names what is wrong (untrusted provider, audience, expired token) and never echoes the token.
            throw new StorageException($"S3 credentials: STS refused to let the service account assume role {_roleArn} " +
                                       $"({ex.ErrorCode ?? $"HTTP {(int)ex.StatusCode}"}: {ex.Message})", ErrorKind.OperationFailed, ex);
        }
        catch (Exception ex) when (ex is AmazonClientException or HttpRequestException or IOException or System.Net.Sockets.SocketException)
        {
            throw new StorageException($"S3 credentials: STS at {StsDisplay} could not be reached to assume role {_roleArn} ({RetryPolicy.Innermost(ex).Message})",
                ErrorKind.OperationFailed, ex);
        }

        var issued = response.Credentials;
        return new CredentialsRefreshState(new ImmutableCredentials(issued.AccessKeyId, issued.SecretAccessKey, issued.SessionToken),
            (issued.Expiration ?? DateTime.UtcNow.AddHours(1)).ToUniversalTime());
    }

    private string StsDisplay => _stsConfig.ServiceURL ?? _stsConfig.RegionEndpoint?.SystemName ?? "the global endpoint";
}
