using Microsoft.AspNetCore.Builder;

namespace Engula.Server.Tests.Infrastructure;

/// <summary>
/// The frame of a component's conformance suite: a fresh server, built by <see cref="BuildServer"/> on a free
/// loopback port, runs for each test (xunit creates the class per test) and is reached over real gRPC through
/// <see cref="Server"/>. File modes keep their data in <see cref="Scratch"/>, removed after the test.
/// </summary>
public abstract class ServerSuite : IAsyncLifetime
{
    private RunningServer? _server;
    private TempDirectory? _scratch;

    protected RunningServer Server => _server ?? throw new InvalidOperationException("not started");

    /// <summary>A directory of this test's own, created on first use (restarts keep it) and deleted after the test.</summary>
    protected string Scratch => (_scratch ??= new TempDirectory()).Path;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Builds the server under test, listening on <see cref="Loopback.AnyPort"/>; called again by every restart.</summary>
    protected abstract WebApplication BuildServer();

    public async ValueTask InitializeAsync() => _server = await RunningServer.StartAsync(BuildServer(), Ct);

    /// <summary>Stops the server, runs <paramref name="whileStopped"/> (e.g. damaging files) and starts it again with
    /// the same options.</summary>
    protected async Task RestartAsync(Action? whileStopped = null)
    {
        await Server.DisposeAsync();
        _server = null;
        whileStopped?.Invoke();
        await InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _scratch?.Dispose();
        GC.SuppressFinalize(this);
    }
}
