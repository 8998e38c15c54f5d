using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Engula.Hosting.Health;

/// <summary>
/// A health check that keeps probing for a short window before it reports anything but Healthy.
/// Aspire re-checks an unhealthy resource after 1 s, then 2 s, 3 s …, and a resource that <c>WaitFor</c>s it
/// starts only after a Healthy report; a component that needs a few hundred milliseconds more would otherwise
/// cost its dependents a whole back-off step per level (measured: ~3.2 s per WaitFor level). Polling here
/// reports Healthy within one step of the component becoming ready.
/// </summary>
internal abstract class PollingHealthCheck : IHealthCheck
{
    internal static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(5);
    internal static readonly TimeSpan DefaultStep = TimeSpan.FromMilliseconds(100);
    internal static readonly TimeSpan DefaultProbeTimeout = TimeSpan.FromSeconds(2);

    private readonly TimeSpan _window;
    private readonly TimeSpan _step;

    protected PollingHealthCheck(TimeSpan window, TimeSpan step, TimeSpan probeTimeout)
    {
        _window = window;
        _step = step;
        ProbeTimeout = probeTimeout;
    }

    /// <summary>Upper bound of one probe (connect and answer).</summary>
    protected TimeSpan ProbeTimeout { get; }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var probe = await ProbeAsync(cancellationToken).ConfigureAwait(false);
            if (probe.Healthy)
            {
                return HealthCheckResult.Healthy(probe.Description);
            }

            if (Stopwatch.GetElapsedTime(started) + _step >= _window)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, probe.Description, probe.Exception);
            }

            await Task.Delay(_step, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One probe; must not throw for an unreachable or unready component (only for cancellation).</summary>
    protected abstract Task<ProbeResult> ProbeAsync(CancellationToken cancellationToken);

    protected readonly record struct ProbeResult(bool Healthy, string Description, Exception? Exception = null);
}
