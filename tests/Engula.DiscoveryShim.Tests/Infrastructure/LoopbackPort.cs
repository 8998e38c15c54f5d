using System.Net;
using System.Net.Sockets;

namespace Engula.DiscoveryShim.Tests.Infrastructure;

/// <summary>Loopback addresses for backends: Linux answers on all of 127.0.0.0/8 without alias set-up.</summary>
public static class LoopbackPort
{
    public static readonly IPAddress[] Backends = [IPAddress.Parse("127.0.0.2"), IPAddress.Parse("127.0.0.3"), IPAddress.Parse("127.0.0.4"), IPAddress.Parse("127.0.0.5")];

    /// <summary>A port that is free on every backend address (pods of one Service share the port).</summary>
    public static int FreeOnAllBackends()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var first = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            first.Bind(new IPEndPoint(Backends[0], 0));
            var port = ((IPEndPoint)first.LocalEndPoint!).Port;
            var sockets = new List<Socket>();
            try
            {
                foreach (var ip in Backends.Skip(1).Append(IPAddress.Loopback))
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    sockets.Add(socket);
                    socket.Bind(new IPEndPoint(ip, port));
                }

                return port;
            }
            catch (SocketException)
            {
                // Taken on one of them; try another.
            }
            finally
            {
                sockets.ForEach(s => s.Dispose());
            }
        }

        throw new InvalidOperationException("no port free on all backend loopback addresses");
    }
}
