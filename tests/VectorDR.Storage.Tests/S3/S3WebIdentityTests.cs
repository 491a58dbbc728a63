using VectorDR.Storage.Tests.Support;

namespace VectorDR.Storage.Tests.S3;

/// <summary>
/// A store whose only credentials are a service account's web identity (IRSA): the keys STS hands out (a loopback STS;
/// here the RGW test user's, with a session token) sign every request to the real S3 server.
/// </summary>
[RequiresS3]
public sealed class S3WebIdentityTests : IAsyncLifetime
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/vectordr-backup";
    private const string Token = "eyJhbGciOiJSUzI1NiJ9.cHJvamVjdGVk.c2lnbmF0dXJl";
    private S3Admin _admin = null!;
    private string _bucket = "";
    private readonly string _folder = Directory.CreateTempSubdirectory("vdr-irsa-").FullName;

    private static S3TestSettings Settings => S3TestSettings.Current;

    public async Task InitializeAsync()
    {
        _admin = new S3Admin(Settings);
        _bucket = await _admin.CreateBucketAsync("irsa");
    }

    public async Task DisposeAsync()
    {
        await _admin.DeleteBucketAsync(_bucket);
        _admin.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [StoreFact]
    public async Task A_service_account_role_backs_up_and_reads_back_with_the_keys_STS_issued()
    {
        var tokenFile = Path.Combine(_folder, "token");
        await File.WriteAllTextAsync(tokenFile, Token);
        await using var sts = new FakeSts(RoleArn, () => Token, (Settings.AccessKey, Settings.SecretKey));
        await using var proxy = new FaultProxy(Settings.Endpoint);
        // No access keys anywhere: only what the EKS webhook injects into a pod, plus where this test's STS listens.
        Func<string, string?> environment = name => name switch
        {
            "AWS_ROLE_ARN" => RoleArn,
            "AWS_WEB_IDENTITY_TOKEN_FILE" => tokenFile,
            "AWS_ENDPOINT_URL_STS" => sts.Endpoint,
            "AWS_REGION" => Settings.Region,
            _ => null,
        };

        await using (var store = await ObjectStores.OpenAsync(Settings.Location(_bucket, "qdrant", endpoint: proxy.Endpoint),
                         new ObjectStoreOpenOptions { RequireWritable = true, Environment = environment }))
        {
            await store.PutAsync("backups/b1/part", new GeneratedStream(12 * 1024 * 1024, seed: 4));
            await using var read = await store.OpenReadAsync("backups/b1/part");
            Assert.Equal(GeneratedStream.Sha256(12 * 1024 * 1024, seed: 4), (await StreamAssert.HashAsync(read)).Sha256);
        }

        Assert.Equal(Token, Assert.Single(sts.Requests)["WebIdentityToken"]);
        Assert.NotEmpty(proxy.RequestHeads);
        Assert.All(proxy.RequestHeads, head =>
        {
            Assert.Contains($"Credential={Settings.AccessKey}/", head);
            Assert.Contains($"x-amz-security-token: {FakeSts.SessionToken(1)}", head, StringComparison.OrdinalIgnoreCase);
        });
    }
}
