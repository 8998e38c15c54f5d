using System.Net;
using Engula.Tests.Shared.Processes;

namespace Engula.DiscoveryShim.Tests.Infrastructure;

/// <summary>
/// A real <c>engula</c> server as a child process, from the <c>engula.dll</c> the project reference copies next to the
/// tests (<see cref="EngulaChildProcess"/>), killed with SIGKILL like a crashed pod.
/// </summary>
public sealed class EngulaProcess : IDisposable
{
    private readonly EngulaChildProcess _child;

    private EngulaProcess(EngulaChildProcess child) => _child = child;

    public static string EngulaDll => Path.Combine(AppContext.BaseDirectory, "engula.dll");

    public bool HasExited => _child.HasExited;

    public static EngulaProcess Start(params string[] arguments) => Start(new Dictionary<string, string>(), arguments);

    public static EngulaProcess Start(IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        new(EngulaChildProcess.Start(EngulaDll, arguments, environment));

    /// <summary>Waits until <paramref name="address"/>:<paramref name="port"/> accepts TCP connections.</summary>
    public static Task WaitAcceptingAsync(IPAddress address, int port, TimeSpan timeout) =>
        EngulaChildProcess.WaitAcceptingAsync(address, port, timeout, TimeSpan.FromMilliseconds(10), TestContext.Current.CancellationToken);

    /// <summary>SIGKILL: no shutdown, sockets closed by the kernel.</summary>
    public void Kill() => _child.Kill();

    public void Dispose() => _child.Dispose();
}
