using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Engula.DiscoveryShim.Bench;

/// <summary><c>dotnet engula.dll journal run ADDR --mem</c> as a child process, SIGKILLed like a crashed pod.</summary>
internal sealed class JournalProcess : IDisposable
{
    private readonly Process _process;

    private JournalProcess(Process process) => _process = process;

    public static JournalProcess Start(string engulaDll, IPAddress address, int port)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { engulaDll, "journal", "run", $"{address}:{port}", "--mem" })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + engulaDll);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new JournalProcess(process);
    }

    /// <summary>Polls TCP connects every millisecond; returns the Stopwatch timestamp of the first accepted one.</summary>
    public static async Task<long> WaitAcceptingAsync(IPAddress address, int port, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port));
                return Stopwatch.GetTimestamp();
            }
            catch (SocketException) when (watch.Elapsed < timeout)
            {
                await Task.Delay(1);
            }
        }
    }

    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
