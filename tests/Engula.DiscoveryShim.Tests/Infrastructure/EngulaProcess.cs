using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Engula.DiscoveryShim.Tests.Infrastructure;

/// <summary>
/// A real <c>engula</c> server as a child process (<c>dotnet engula.dll …</c>, copied next to the tests by the
/// project reference), killed with SIGKILL like a crashed pod.
/// </summary>
public sealed class EngulaProcess : IDisposable
{
    private readonly Process _process;

    private EngulaProcess(Process process) => _process = process;

    public static string EngulaDll => Path.Combine(AppContext.BaseDirectory, "engula.dll");

    public static EngulaProcess Start(params string[] arguments) => Start(new Dictionary<string, string>(), arguments);

    public static EngulaProcess Start(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(EngulaDll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet engula.dll");

        // Drained so a chatty child never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new EngulaProcess(process);
    }

    /// <summary>Waits until <paramref name="address"/>:<paramref name="port"/> accepts TCP connections.</summary>
    public static async Task WaitAcceptingAsync(IPAddress address, int port, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), TestContext.Current.CancellationToken);
                return;
            }
            catch (SocketException) when (watch.Elapsed < timeout)
            {
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>SIGKILL: no shutdown, sockets closed by the kernel.</summary>
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
