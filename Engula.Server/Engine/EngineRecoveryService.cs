using Grpc.Core;

namespace Engula.Server.Engine;

/// <summary>
/// Recovers the engine before the web server starts listening (WebApplication starts hosted services before
/// Kestrel), so the port opens only when every acknowledged write is readable (CONTRACTS §2).
/// </summary>
internal sealed class EngineRecoveryService(HashEngine engine) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await engine.OpenAsync(cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            // Stopped while still waiting for the kernel: the call in flight was cancelled by that stop. Say so as the
            // cancellation it is, which the command line treats as a clean stop (exit 0; the host still logs that it
            // did not finish starting). Returning instead would not help: the host would then start Kestrel with the
            // cancelled token, which fails the same way. Nothing was accepted, so nothing is lost.
            throw new OperationCanceledException("stopped before the engine recovered", e, cancellationToken);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await engine.DisposeAsync();
}
