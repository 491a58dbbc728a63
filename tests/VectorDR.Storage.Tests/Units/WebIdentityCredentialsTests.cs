using Amazon.Runtime;
using VectorDR.Core.Errors;
using VectorDR.Storage.S3;
using VectorDR.Storage.Tests.Support;

namespace VectorDR.Storage.Tests.Units;

/// <summary>
/// Credentials from a service account's projected token (IRSA): exchanged at STS (a loopback STS that follows the API
/// reference) for temporary keys, re-read on every refresh, and never shown in a message.
/// </summary>
public sealed class WebIdentityCredentialsTests : IDisposable
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/vectordr-backup";
    private const string Token = "eyJhbGciOiJSUzI1NiJ9.c2VydmljZWFjY291bnQ.c2lnbmF0dXJl";
    private readonly string _folder = Directory.CreateTempSubdirectory("vdr-web-identity-").FullName;

    private string TokenFile(string content = Token)
    {
        var path = Path.Combine(_folder, "token");
        File.WriteAllText(path, content + "\n");
        return path;
    }

    private static Func<string, string?> Environment(params (string Name, string? Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public async Task The_service_account_token_is_exchanged_for_the_role_s_temporary_keys()
    {
        await using var sts = new FakeSts(RoleArn, () => Token, ("AKIAISSUED", "issued-secret"));
        var credentials = S3Credentials.Resolve(Environment(("AWS_ROLE_ARN", RoleArn), ("AWS_WEB_IDENTITY_TOKEN_FILE", TokenFile()),
            ("AWS_ROLE_SESSION_NAME", "backup-docs"), ("AWS_REGION", "eu-west-1"), ("AWS_ENDPOINT_URL_STS", sts.Endpoint)));

        var keys = await credentials.GetCredentialsAsync();

        Assert.Equal(("AKIAISSUED", "issued-secret", FakeSts.SessionToken(1)), (keys.AccessKey, keys.SecretKey, keys.Token));
        var request = Assert.Single(sts.Requests);
        Assert.Equal((RoleArn, Token, "backup-docs"), (request["RoleArn"], request["WebIdentityToken"], request["RoleSessionName"]));
    }

    [Fact]
    public async Task Expiring_keys_are_renewed_with_the_token_as_the_kubelet_last_rotated_it()
    {
        var current = Token;
        // Keys that live less than the refresh margin are renewed on every use: each renewal reads the file again.
        await using var sts = new FakeSts(RoleArn, () => current, ("AKIAISSUED", "issued-secret"), lifetime: TimeSpan.FromMinutes(2));
        var file = TokenFile();
        var credentials = S3Credentials.Resolve(Environment(("AWS_ROLE_ARN", RoleArn), ("AWS_WEB_IDENTITY_TOKEN_FILE", file), ("AWS_ENDPOINT_URL_STS", sts.Endpoint)));
        Assert.Equal(FakeSts.SessionToken(1), (await credentials.GetCredentialsAsync()).Token);

        current = Token + "-rotated";
        File.WriteAllText(file, current);
        // Inside the refresh margin the SDK hands out the still-valid keys and renews them in the background.
        var renewed = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(20); renewed != FakeSts.SessionToken(2) && DateTime.UtcNow < deadline; await Task.Delay(50))
            renewed = (await credentials.GetCredentialsAsync()).Token;
        Assert.Equal(FakeSts.SessionToken(2), renewed);
        Assert.Equal([Token, current], sts.Requests.Take(2).Select(r => r["WebIdentityToken"]));
        Assert.Matches("^vectordr-[0-9a-f]{23}$", sts.Requests.First()["RoleSessionName"]);
    }

    [Theory]
    [InlineData("AWS_ROLE_ARN", "S3 credentials: AWS_ROLE_ARN is not set (AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE go together)")]
    [InlineData("AWS_WEB_IDENTITY_TOKEN_FILE", "S3 credentials: AWS_WEB_IDENTITY_TOKEN_FILE is not set (AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE go together)")]
    public void Half_a_web_identity_is_refused_naming_the_missing_variable(string missing, string expected)
    {
        var values = new[] { ("AWS_ROLE_ARN", (string?)RoleArn), ("AWS_WEB_IDENTITY_TOKEN_FILE", (string?)TokenFile()) }.Where(v => v.Item1 != missing).ToArray();
        var ex = Assert.Throws<InvalidInputException>(() => S3Credentials.Resolve(Environment(values)));
        Assert.Equal(expected, ex.Message);
    }

    [Fact]
    public void A_token_file_that_is_not_there_is_named()
    {
        var missing = Path.Combine(_folder, "no-such-token");
        var ex = Assert.Throws<InvalidInputException>(() => S3Credentials.Resolve(Environment(("AWS_ROLE_ARN", RoleArn), ("AWS_WEB_IDENTITY_TOKEN_FILE", missing))));
        Assert.Equal($"S3 credentials: AWS_WEB_IDENTITY_TOKEN_FILE names {missing}, which does not exist", ex.Message);
    }

    [Fact]
    public async Task A_token_STS_does_not_trust_fails_with_STS_s_reason_and_never_shows_the_token()
    {
        await using var sts = new FakeSts(RoleArn, () => "another-token", ("AKIAISSUED", "issued-secret"));
        var credentials = S3Credentials.Resolve(Environment(("AWS_ROLE_ARN", RoleArn), ("AWS_WEB_IDENTITY_TOKEN_FILE", TokenFile()), ("AWS_ENDPOINT_URL_STS", sts.Endpoint)));

        var ex = await Assert.ThrowsAsync<StorageException>(() => credentials.GetCredentialsAsync());

        Assert.Contains($"STS refused to let the service account assume role {RoleArn} (InvalidIdentityToken: ", ex.Message);
        Assert.DoesNotContain(Token, ex.ToString());
    }

    [Fact]
    public async Task An_unreachable_STS_is_named()
    {
        var closed = $"http://127.0.0.1:{LoopbackPorts.Free()}";
        var credentials = S3Credentials.Resolve(Environment(("AWS_ROLE_ARN", RoleArn), ("AWS_WEB_IDENTITY_TOKEN_FILE", TokenFile()), ("AWS_ENDPOINT_URL_STS", closed)));

        var ex = await Assert.ThrowsAsync<StorageException>(() => credentials.GetCredentialsAsync());

        Assert.StartsWith($"S3 credentials: STS at {closed}", ex.Message);
        Assert.Contains($"could not be reached to assume role {RoleArn}", ex.Message);
    }

    [Fact]
    public void Access_keys_in_the_environment_win_over_a_web_identity()
    {
        var credentials = S3Credentials.Resolve(Environment(("AWS_ACCESS_KEY_ID", "AKIASTATIC"), ("AWS_SECRET_ACCESS_KEY", "static-secret"),
            ("AWS_ROLE_ARN", RoleArn), ("AWS_WEB_IDENTITY_TOKEN_FILE", TokenFile())));
        Assert.IsType<BasicAWSCredentials>(credentials);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
