using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Amazon.Runtime;
using VectorDR.Core.Errors;

namespace VectorDR.Storage.S3;

/// <summary>
/// HTTP clients for the SDK that also trust the certificates of a PEM bundle (<c>AWS_CA_BUNDLE</c>, read as the AWS CLI
/// reads it): on-premises S3 servers (Ceph RGW, MinIO) usually present a certificate from a private CA. The system's
/// trust store still applies first; host name checks are never relaxed.
/// </summary>
internal sealed class CaBundleHttpClientFactory : HttpClientFactory
{
    private readonly X509Certificate2Collection _roots;

    private CaBundleHttpClientFactory(X509Certificate2Collection roots) => _roots = roots;

    public static CaBundleHttpClientFactory Load(string path)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new InvalidInputException($"AWS_CA_BUNDLE: could not read certificates from '{path}': {e.Message}", e);
        }
        if (roots.Count == 0) throw new InvalidInputException($"AWS_CA_BUNDLE: '{path}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        return new CaBundleHttpClientFactory(roots);
    }

    public override HttpClient CreateHttpClient(IClientConfig clientConfig)
    {
        var handler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = Validate } };
        if (clientConfig.MaxConnectionsPerServer is { } max) handler.MaxConnectionsPerServer = max;
        // A factory of our own takes over what the SDK would set on its clients: the request timeout.
        return new HttpClient(handler) { Timeout = clientConfig.Timeout ?? TimeSpan.FromSeconds(100) };
    }

    // One client per SDK client, disposed with it: the bundle is per store, never shared process-wide.
    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => true;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    public override string? GetConfigUniqueString(IClientConfig clientConfig) => null;

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None) return true;
        // Only an unknown issuer is forgiven, and only when the bundle vouches for it.
        if (certificate is null || errors != SslPolicyErrors.RemoteCertificateChainErrors) return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_roots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // a private CA rarely publishes revocation lists
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }
}
