using System.Net;
using System.Net.Sockets;
using Engula.Tests.Shared.Ports;

namespace Engula.Operator.Tests;

/// <summary>
/// A TCP forwarder on a fixed loopback port that can be switched off and on: while off nothing listens on the port
/// (connections are refused) and every forwarded connection is cut, as when the API server is away.
/// </summary>
internal sealed class LoopbackForwarder : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly List<TcpClient> _connections = [];
    private TcpListener? _listener;
    private CancellationTokenSource? _stop;
    private Task _accepting = Task.CompletedTask;

    public LoopbackForwarder(IPEndPoint target)
    {
        _target = target;
        Port = FreePort.Next(); // free while switched off: no other process is handed it meanwhile
    }

    public int Port { get; }

    public void Start()
    {
        _stop = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _accepting = AcceptAsync(_listener, _stop.Token);
    }

    public async Task StopAsync()
    {
        if (_stop is null)
        {
            return;
        }

        await _stop.CancelAsync();
        _listener!.Stop();
        lock (_connections)
        {
            foreach (var c in _connections)
            {
                try
                {
                    c.Client?.LingerState = new LingerOption(true, 0); // RST, as a dead peer
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    // already closed by its pump
                }

                c.Dispose();
            }

            _connections.Clear();
        }

        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
        _stop = null;
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var inbound = await listener.AcceptTcpClientAsync(ct);
            var outbound = new TcpClient();
            try
            {
                await outbound.ConnectAsync(_target, ct);
            }
            catch (SocketException)
            {
                inbound.Dispose();
                outbound.Dispose();
                continue;
            }

            lock (_connections)
            {
                _connections.Add(inbound);
                _connections.Add(outbound);
            }

            _ = PumpAsync(inbound, outbound, ct);
            _ = PumpAsync(outbound, inbound, ct);
        }
    }

    private static async Task PumpAsync(TcpClient from, TcpClient to, CancellationToken ct)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream(), ct);
            to.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            from.Dispose();
            to.Dispose();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
