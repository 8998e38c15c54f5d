using System.Diagnostics.Metrics;

namespace Engula.Server.Kernel;

/// <summary>Kernel metrics (meter <c>Engula.Kernel</c>).</summary>
public sealed class KernelMetrics
{
    public const string MeterName = "Engula.Kernel";

    private readonly Counter<long> _updates;

    public KernelMetrics(IMeterFactory meterFactory, VersionLog log)
    {
        var meter = meterFactory.Create(MeterName);
        _updates = meter.CreateCounter<long>("engula.kernel.updates", description: "Version updates applied");
        meter.CreateObservableGauge("engula.kernel.sequence", () => (long)log.Current.Sequence, description: "Current version sequence");
    }

    public void UpdateApplied() => _updates.Add(1);
}
