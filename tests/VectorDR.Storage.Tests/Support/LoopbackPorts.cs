using System.Net;
using System.Net.Sockets;

namespace VectorDR.Storage.Tests.Support;

internal static class LoopbackPorts
{
    /// <summary>A loopback port nothing listens on right now (for a server to bind, or for a client to find closed).</summary>
    public static int Free()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
