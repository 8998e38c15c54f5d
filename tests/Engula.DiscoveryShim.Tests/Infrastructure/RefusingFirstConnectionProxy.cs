using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Engula.DiscoveryShim.Tests.Infrastructure;

/// <summary>
/// A loopback TCP front for a real backend. Its first connection plays an HTTP/2 server that reads one whole
/// request (up to the frame carrying END_STREAM) and then refuses it with GOAWAY, last stream id 0 — what a
/// server going away says about a request it never processed, so HttpClient sends that request again on a new
/// connection. Every later connection is piped byte for byte to the backend.
/// </summary>
public sealed class RefusingFirstConnectionProxy : IAsyncDisposable
{
    private const int FrameHeaderLength = 9;
    private const byte DataFrame = 0x0;
    private const byte HeadersFrame = 0x1;
    private const byte EndStreamFlag = 0x1;
    private static readonly int PrefaceLength = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".Length;

    private readonly TcpListener _listener;
    private readonly IPEndPoint _backend;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;
    private int _accepted;

    private RefusingFirstConnectionProxy(IPEndPoint backend)
    {
        _backend = backend;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary><c>127.0.0.1:port</c> of the proxy.</summary>
    public string Address => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Connections accepted so far, the refused first one included.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Completes when the first connection has received a whole request and refused it.</summary>
    public TaskCompletionSource Refused { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static RefusingFirstConnectionProxy Start(IPEndPoint backend) => new(backend);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections);
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stopping.Token);
                var connection = Interlocked.Increment(ref _accepted) == 1 ? RefuseAsync(client) : PipeAsync(client);
                lock (_connections)
                {
                    _connections.Add(connection);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task RefuseAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        try
        {
            await stream.ReadExactlyAsync(new byte[PrefaceLength], _stopping.Token);
            var header = new byte[FrameHeaderLength];
            while (true)
            {
                await stream.ReadExactlyAsync(header, _stopping.Token);
                var length = (header[0] << 16) | (header[1] << 8) | header[2];
                await stream.ReadExactlyAsync(new byte[length], _stopping.Token);
                if (header[3] is DataFrame or HeadersFrame && (header[4] & EndStreamFlag) != 0)
                {
                    break;
                }
            }

            // An empty SETTINGS frame, then GOAWAY(last stream id 0, NO_ERROR): no stream of this connection was processed.
            var reply = new byte[FrameHeaderLength + FrameHeaderLength + 8];
            reply[3] = 0x4;
            reply[FrameHeaderLength + 2] = 8;
            reply[FrameHeaderLength + 3] = 0x7;
            BinaryPrimitives.WriteInt64BigEndian(reply.AsSpan(FrameHeaderLength + FrameHeaderLength), 0);
            await stream.WriteAsync(reply, _stopping.Token);
            Refused.TrySetResult();

            // Closing with unread input would reset the connection, maybe before the client read the GOAWAY:
            // drain until the client, done with this connection, closes it.
            await stream.CopyToAsync(Stream.Null, _stopping.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or EndOfStreamException)
        {
            Refused.TrySetException(e);
        }
    }

    private async Task PipeAsync(TcpClient client)
    {
        using var _ = client;
        using var backend = new TcpClient();
        try
        {
            await backend.ConnectAsync(_backend, _stopping.Token);
            var toBackend = client.GetStream().CopyToAsync(backend.GetStream(), _stopping.Token);
            var toClient = backend.GetStream().CopyToAsync(client.GetStream(), _stopping.Token);
            await Task.WhenAny(toBackend, toClient);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
        {
            // Either side went away, or the proxy stops.
        }
    }
}
