using System.Net;
using System.Net.Sockets;

namespace Mth.Testing.DicomNetwork;

/// <summary>
/// A loopback port nobody listens on right now, for peers that need a port number up front
/// (dcmtk's storescp). Our own listeners bind port 0 instead. Never use fixed ports: other test
/// runs share the machine.
/// </summary>
public static class FreeTcpPort
{
    public static int Next()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
