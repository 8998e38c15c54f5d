using Grpc.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Engula.DiscoveryShim.Forwarding;

/// <summary>
/// Readiness of the sidecar: healthy while its channel has a ready backend (or has not been asked to connect
/// yet — it then tries, up to one second), degraded while connecting, unhealthy while no backend is reachable.
/// </summary>
public sealed class GrpcForwarderHealthCheck(GrpcForwarder forwarder) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var channel = forwarder.Channel;
        if (channel.State is ConnectivityState.Idle or ConnectivityState.Connecting)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(TimeSpan.FromSeconds(1));
            try
            {
                await channel.ConnectAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Report the state reached within the second.
            }
        }

        return channel.State switch
        {
            ConnectivityState.Ready => HealthCheckResult.Healthy($"{forwarder.Target}: a backend is ready"),
            ConnectivityState.Connecting or ConnectivityState.Idle => HealthCheckResult.Degraded($"{forwarder.Target}: connecting"),
            _ => HealthCheckResult.Unhealthy($"{forwarder.Target}: no backend is reachable ({channel.State})"),
        };
    }
}
