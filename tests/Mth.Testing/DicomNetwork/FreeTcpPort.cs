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

    /// <summary>
    /// A port in [<paramref name="min"/>, <paramref name="max"/>) free now whose companion at
    /// <paramref name="offset"/> is free too, for servers that open a second port at a fixed
    /// distance (Redis Cluster's bus, RabbitMQ's Erlang distribution port).
    /// </summary>
    public static int NextPair(int min, int max, int offset)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(min, max);
            if (IsFree(port) && IsFree(port + offset))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No free loopback port pair (port, port + {offset}) found in {min}-{max}.");
    }

    public static bool IsFree(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
