using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace VectorDR.KubeEmulator;

/// <summary>
/// A throwaway certificate authority and a serving certificate it signs for 127.0.0.1/::1/localhost, so clients verify
/// the server against the CA exactly as they would against a cluster's CA (no "insecure-skip-tls-verify").
/// </summary>
internal sealed class EmulatorCertificates : IDisposable
{
    private EmulatorCertificates(X509Certificate2 authority, X509Certificate2 server)
    {
        Authority = authority;
        Server = server;
    }

    /// <summary>The CA certificate (public part only).</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>The serving certificate with its private key.</summary>
    public X509Certificate2 Server { get; }

    public string AuthorityPem => Authority.ExportCertificatePem();

    public static EmulatorCertificates Create(TimeProvider time)
    {
        var now = time.GetUtcNow();
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=kube-emulator-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        var caSubjectKey = new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false);
        caRequest.CertificateExtensions.Add(caSubjectKey);
        using var caWithKey = caRequest.CreateSelfSigned(now.AddHours(-1), now.AddYears(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=kube-apiserver", serverKey, HashAlgorithmName.SHA256);
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(caSubjectKey));
        serverRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(serverRequest.PublicKey, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var signed = serverRequest.Create(caWithKey, now.AddHours(-1), now.AddMonths(6), serial);
        using var serverWithKey = signed.CopyWithPrivateKey(serverKey);

        // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
        var server = X509CertificateLoader.LoadPkcs12(serverWithKey.Export(X509ContentType.Pkcs12), null);
        var authority = X509CertificateLoader.LoadCertificate(caWithKey.Export(X509ContentType.Cert));
        return new EmulatorCertificates(authority, server);
    }

    public void Dispose()
    {
        Authority.Dispose();
        Server.Dispose();
    }
}
