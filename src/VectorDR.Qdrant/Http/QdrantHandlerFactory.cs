using System.Net;
using Microsoft.Extensions.Logging;

namespace VectorDR.Qdrant.Http;

/// <summary>Builds the <see cref="SocketsHttpHandler"/> the client owns when no handler is injected.</summary>
internal static class QdrantHandlerFactory
{
    public static SocketsHttpHandler Create(QdrantClientOptions options, ILogger logger)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            // Re-resolve DNS now and then: Qdrant pods move and Services get new endpoints. This does not cut a
            // connection that is in use, so a long snapshot download is not affected.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            // api-key is a custom header: HttpClient would forward it to whatever host a redirect points to.
            AllowAutoRedirect = false,
            // Snapshot bytes must arrive exactly as stored (Range offsets, SHA-256), so never ask for compression.
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
        };

        if (options.InsecureSkipTlsVerify)
        {
            Log.InsecureTls(logger, Redaction.Url(options.Endpoint));
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else if (options.CaCertificatePath is { } caPath)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = CustomCaValidator.FromFile(caPath).Validate;
        }

        return handler;
    }
}
