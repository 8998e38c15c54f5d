using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Engula.Server.Hosting;

/// <summary>
/// Readiness of a component beyond "the process is up": a kernel whose journal does not answer yet, or an
/// engine whose background flush failed, reports NOT_SERVING on <c>grpc.health.v1</c> and 503 on <c>/health</c>.
/// </summary>
public sealed class ComponentReadiness : IHealthCheck
{
    private volatile string? _notReadyReason;

    public ComponentReadiness(bool initiallyReady = true)
    {
        _notReadyReason = initiallyReady ? null : "starting";
    }

    public bool IsReady => _notReadyReason is null;

    public string? Reason => _notReadyReason;

    public void MarkReady() => _notReadyReason = null;

    public void MarkNotReady(string reason) => _notReadyReason = reason;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var reason = _notReadyReason;
        return Task.FromResult(reason is null ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy(reason));
    }
}
