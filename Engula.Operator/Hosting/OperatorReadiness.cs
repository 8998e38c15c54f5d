using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Engula.Operator.Hosting;

/// <summary>
/// Readiness as a health check: healthy while the API server answers this instance and it is either a standby (it
/// only waits) or a leader whose caches are synced; otherwise unhealthy with the reason (<see cref="OperatorHost.NotReadyReason"/>).
/// </summary>
internal sealed class OperatorReadiness(OperatorHost host) : IHealthCheck
{
    public const string Name = "operator";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(host.IsReady ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy(host.NotReadyReason ?? "not ready"));
}
