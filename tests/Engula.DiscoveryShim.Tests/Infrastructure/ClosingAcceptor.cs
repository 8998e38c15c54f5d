using System.Net;
using System.Net.Sockets;

namespace Engula.DiscoveryShim.Tests.Infrastructure;

/// <summary>
/// A listener that accepts every TCP connection and closes it at once — what a client sees from a pod whose
/// server is dying (the kernel still completes the handshake) or from a port taken by something that is not
/// a gRPC server. grpc-dotnet marks such an endpoint Ready, because its TCP connect succeeds.
/// </summary>
public sealed class ClosingAcceptor : IDisposable
{
    private readonly TcpListener _listener;
    private int _accepted;

    public ClosingAcceptor(IPAddress address, int port)
    {
        _listener = new TcpListener(address, port);
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Accepted => Volatile.Read(ref _accepted);

    public void Dispose() => _listener.Stop();

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                using var socket = await _listener.AcceptSocketAsync();
                Interlocked.Increment(ref _accepted);
                socket.Close();
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }
}
