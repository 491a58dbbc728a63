using System.Security.Cryptography;
using VectorDR.Core.Errors;
using VectorDR.Storage.S3;
using VectorDR.Storage.Tests.Support;

namespace VectorDR.Storage.Tests.S3;

/// <summary>
/// RGW's https endpoint (a self-signed certificate, as an on-premises server with a private CA has): trusted through
/// AWS_CA_BUNDLE, refused without it, and written to with unsigned payloads (TLS protects the body).
/// </summary>
[RequiresS3]
public sealed class S3TlsTests : IAsyncLifetime
{
    private const long MiB = 1024 * 1024;
    private S3Admin _admin = null!;
    private string _bucket = "";

    private static S3TestSettings Settings => S3TestSettings.Current;

    private static string TlsEndpoint => Settings.RequiredTlsEndpoint;

    private static string CaBundle => Settings.RequiredCaBundle;

    public async Task InitializeAsync()
    {
        _admin = new S3Admin(Settings);
        _bucket = await _admin.CreateBucketAsync("tls");
    }

    public async Task DisposeAsync()
    {
        await _admin.DeleteBucketAsync(_bucket);
        _admin.Dispose();
    }

    private static Task<IObjectStore> OpenAsync(string location, params (string, string?)[] environment) =>
        ObjectStores.OpenAsync(location, new ObjectStoreOpenOptions
        {
            RequireWritable = true,
            Environment = Settings.StoreEnvironment(environment),
            S3 = new S3TransferOptions { PartSize = 5 * MiB, MaxRetries = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(10) },
        });

    [StoreFact]
    public async Task Multipart_and_single_uploads_round_trip_over_https_with_the_CA_bundle()
    {
        await using var store = await OpenAsync(Settings.Location(_bucket, "p", TlsEndpoint), ("AWS_CA_BUNDLE", CaBundle));
        var large = RandomNumberGenerator.GetBytes((int)(12 * MiB + 123)); // three parts, the last one short
        var small = RandomNumberGenerator.GetBytes(4096);

        Assert.Equal(large.Length, await store.PutAsync("large", new MemoryStream(large)));
        Assert.Equal(small.Length, await store.PutAsync("small", new MemoryStream(small)));

        Assert.Equal(SHA256.HashData(large), await HashAsync(store, "large"));
        Assert.Equal(SHA256.HashData(small), await HashAsync(store, "small"));
    }

    [StoreFact]
    public async Task Read_URLs_need_private_trust_only_over_https_with_a_CA_bundle()
    {
        // Restores stream instead of handing Qdrant a pre-signed URL it could not fetch (see RestoreEngine).
        await using (var https = await OpenAsync(Settings.Location(_bucket, "p", TlsEndpoint), ("AWS_CA_BUNDLE", CaBundle)))
            Assert.True(https.ReadUrlsNeedPrivateTrust);
        await using (var http = await OpenAsync(Settings.Location(_bucket, "p"), ("AWS_CA_BUNDLE", CaBundle)))
            Assert.False(http.ReadUrlsNeedPrivateTrust);
        await using (var plain = await OpenAsync(Settings.Location(_bucket, "p")))
            Assert.False(plain.ReadUrlsNeedPrivateTrust);
    }

    [StoreFact]
    public async Task Without_the_CA_bundle_the_certificate_is_refused_with_a_hint()
    {
        var error = await Assert.ThrowsAsync<StorageException>(() => OpenAsync(Settings.Location(_bucket, "p", TlsEndpoint)));

        Assert.Contains("TLS with the endpoint", error.Message);
        Assert.Contains("AWS_CA_BUNDLE", error.Message);
        Assert.Contains(_bucket, error.Message);
        // (Not retried: RetryPolicyTests.)
    }

    [StoreFact]
    public async Task A_CA_bundle_that_is_not_a_certificate_is_named_in_the_error()
    {
        var notPem = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(notPem, "not a certificate");
            var error = await Assert.ThrowsAsync<InvalidInputException>(() => OpenAsync(Settings.Location(_bucket, "p", TlsEndpoint), ("AWS_CA_BUNDLE", notPem)));
            Assert.Contains("AWS_CA_BUNDLE", error.Message);
            Assert.Contains(notPem, error.Message);

            var missing = await Assert.ThrowsAsync<InvalidInputException>(() =>
                OpenAsync(Settings.Location(_bucket, "p", TlsEndpoint), ("AWS_CA_BUNDLE", notPem + ".absent")));
            Assert.Contains("AWS_CA_BUNDLE", missing.Message);
        }
        finally
        {
            File.Delete(notPem);
        }
    }

    [Theory]
    [InlineData("s3://bucket/p?endpoint=https://s3.example.net&region=eu-west-1", true)]
    [InlineData("s3://bucket/p?region=eu-west-1", true)] // AWS itself
    [InlineData("s3://bucket/p?endpoint=http://127.0.0.1:7480&region=us-east-1", false)]
    public void Payloads_go_unsigned_only_over_TLS(string location, bool unsigned)
    {
        var parsed = Assert.IsType<S3Location>(StorageLocation.Parse(location));
        var target = new S3Target(null!, parsed, null!, null!, new S3TransferOptions());
        Assert.Equal(unsigned, target.UnsignedPayload);
    }

    private static async Task<byte[]> HashAsync(IObjectStore store, string key)
    {
        await using var read = await store.OpenReadAsync(key);
        return await SHA256.HashDataAsync(read);
    }
}
