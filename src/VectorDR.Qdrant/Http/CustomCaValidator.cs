using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace VectorDR.Qdrant.Http;

/// <summary>
/// Validates a server certificate against a private CA <b>only</b>: the chain must end in one of the given roots
/// (the machine's trust store is ignored), and the host name must match. Revocation is not checked: private CAs of
/// in-cluster services rarely publish CRLs, and a missing CRL endpoint would fail every connection.
/// </summary>
internal sealed class CustomCaValidator(X509Certificate2Collection trustedRoots)
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    public static CustomCaValidator FromFile(string path)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            if (File.ReadAllText(path).Contains("-----BEGIN", StringComparison.Ordinal)) roots.ImportFromPemFile(path);
            else roots.Add(X509CertificateLoader.LoadCertificateFromFile(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ArgumentException($"CA certificate file '{path}' cannot be read as PEM or DER: {e.Message}", nameof(path), e);
        }

        if (roots.Count == 0) throw new ArgumentException($"CA certificate file '{path}' holds no certificate", nameof(path));
        return new CustomCaValidator(roots);
    }

    public bool Validate(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate, X509Chain? presented,
        SslPolicyErrors errors)
    {
        if (certificate is null) return false;
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            return false;

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trustedRoots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ServerAuthentication);
        // Intermediates the server sent along; they are only path-building material, trust still comes from the roots.
        if (presented is not null)
            foreach (var element in presented.ChainElements.Skip(1))
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);

        using var converted = certificate is X509Certificate2 ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(converted ?? (X509Certificate2)certificate);
    }
}
