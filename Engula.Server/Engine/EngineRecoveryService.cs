namespace Engula.Server.Engine;

/// <summary>
/// Recovers the engine before the web server starts listening (WebApplication starts hosted services before
/// Kestrel), so the port opens only when every acknowledged write is readable (CONTRACTS §2).
/// </summary>
internal sealed class EngineRecoveryService(HashEngine engine) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => engine.OpenAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken) => await engine.DisposeAsync();
}
