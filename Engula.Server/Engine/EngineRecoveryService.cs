namespace Engula.Server.Engine;

/// <summary>
/// Recovers the engine before the web server starts listening (WebApplication starts hosted services before
/// Kestrel), so the port opens only when every acknowledged write is readable. A stop while it still
/// waits for the kernel ends the start with an <see cref="OperationCanceledException"/> (from
/// <see cref="DiscoveryShim.DependencyWait"/>), which the command line treats as a clean stop.
/// </summary>
internal sealed class EngineRecoveryService(HashEngine engine) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => engine.OpenAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken) => await engine.DisposeAsync();
}
