using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Engula.Server.Runtime;

/// <summary>
/// Readiness of a component beyond "the process is up": a kernel whose journal does not answer yet, or an
/// engine whose background flush failed or whose writes cannot reach the journal, reports NOT_SERVING on
/// <c>grpc.health.v1</c> and 503 on <c>/health</c>.
/// </summary>
/// <remarks>
/// Independent causes are kept apart as named conditions (the engine's writer and its flush loop each own one), so
/// that one recovering does not report the component ready while the other still fails. The component is ready
/// when no condition is set.
/// </remarks>
public sealed class ComponentReadiness : IHealthCheck
{
    private const string DefaultCondition = "";

    private readonly ConcurrentDictionary<string, string> _notReady = new(StringComparer.Ordinal);

    public ComponentReadiness(bool initiallyReady = true)
    {
        if (!initiallyReady)
        {
            _notReady[DefaultCondition] = "starting";
        }
    }

    public bool IsReady => _notReady.IsEmpty;

    /// <summary>Why the component is not ready (every set condition, in a stable order), or null.</summary>
    public string? Reason => _notReady.IsEmpty ? null : string.Join("; ", _notReady.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Value));

    public void MarkReady() => MarkReady(DefaultCondition);

    public void MarkNotReady(string reason) => MarkNotReady(DefaultCondition, reason);

    /// <summary>Clears <paramref name="condition"/>; the component is ready once no condition is left.</summary>
    public void MarkReady(string condition) => _notReady.TryRemove(condition, out _);

    /// <summary>Sets (or updates the reason of) <paramref name="condition"/>.</summary>
    public void MarkNotReady(string condition, string reason) => _notReady[condition] = reason;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var reason = Reason;
        return Task.FromResult(reason is null ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy(reason));
    }
}
