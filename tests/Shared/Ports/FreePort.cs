using System.Net;
using System.Net.Sockets;

namespace Engula.Tests.Shared.Ports;

/// <summary>
/// Loopback TCP ports that tests hand to child processes by number.
/// </summary>
/// <remarks>
/// Asking the OS for port 0 and releasing it is racy here: such a port comes from the kernel's ephemeral range, so any
/// outgoing connection made by the several test assemblies running side by side (gRPC, the API server's clients) can
/// take it before the child binds it — or after a SIGKILLed child released it and before it is started again.
/// Ports are therefore taken below the ephemeral range (which starts at 32768 on Linux), and each is reserved for the
/// lifetime of the test process by an exclusive lock on a file, so two test processes never pick the same one.
/// The lock goes away with the process, however it ends.
/// </remarks>
public static class FreePort
{
    // 26000-31999: below the ephemeral range, above Engula's own fixed ports (24567-25570, the sample AppHost's
    // 24577-24590) that AppHost tests bind, and apart from the test Kubernetes cluster's ports (20100-24399).
    private const int First = 26000;
    private const int Count = 6000;

    private static readonly string LockDirectory = Path.Combine(Path.GetTempPath(), "engula-test-ports");
    private static readonly List<FileStream> Held = [];
    private static int next = Random.Shared.Next(Count);

    /// <summary>A loopback port nobody listens on and no other test process will be given.</summary>
    public static int Next()
    {
        Directory.CreateDirectory(LockDirectory);
        for (var attempt = 0; attempt < Count; attempt++)
        {
            var port = First + (Interlocked.Increment(ref next) % Count);
            if (TryReserve(port) && IsBindable(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No free loopback port in {First}-{First + Count - 1}.");
    }

    private static bool TryReserve(int port)
    {
        try
        {
            // FileShare.None takes an advisory exclusive lock (flock) that other processes' attempts fail on.
            var file = new FileStream(Path.Combine(LockDirectory, $"{port}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            lock (Held)
            {
                Held.Add(file);
            }

            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static bool IsBindable(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
