using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Engula.Tests.Shared.Polling;

namespace Engula.Tests.Shared.Processes;

/// <summary>
/// A real <c>engula</c> server as a child process (<c>dotnet engula.dll …</c>), killed with SIGKILL like a crashed
/// pod. Shared by the DiscoveryShim tests and the shim benchmark.
/// </summary>
internal sealed class EngulaChildProcess : IDisposable
{
    private readonly Process _process;

    private EngulaChildProcess(Process process) => _process = process;

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    public static EngulaChildProcess Start(string engulaDll, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(engulaDll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet " + engulaDll);

        // Drained so a chatty child never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new EngulaChildProcess(process);
    }

    /// <summary>
    /// Tries a TCP connect every <paramref name="interval"/> until one is accepted (the port has no other signal);
    /// returns the <see cref="Stopwatch"/> timestamp of that connect.
    /// </summary>
    public static async Task<long> WaitAcceptingAsync(IPAddress address, int port, TimeSpan timeout, TimeSpan interval, CancellationToken cancellationToken)
    {
        long accepted = 0;
        await Poll.UntilAsync($"{address}:{port} accepts connections", async token =>
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), token);
                accepted = Stopwatch.GetTimestamp();
                return (true, "accepted");
            }
            catch (SocketException e)
            {
                return (false, e.SocketErrorCode.ToString());
            }
        }, timeout, interval, cancellationToken);
        return accepted;
    }

    /// <summary>Sends a signal by name (<c>STOP</c> hangs the process without closing anything, <c>CONT</c> resumes it).</summary>
    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            ?? throw new InvalidOperationException("kill did not start");
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {_process.Id} exited with {kill.ExitCode}");
        }
    }

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
