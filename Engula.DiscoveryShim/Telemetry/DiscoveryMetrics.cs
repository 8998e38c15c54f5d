using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Engula.DiscoveryShim.Telemetry;

/// <summary>The instruments of the <c>Engula.DiscoveryShim</c> meter; one instance per channel factory.</summary>
internal sealed class DiscoveryMetrics : IDisposable
{
    private readonly bool _ownsMeter;
    private readonly Counter<long> _resolutions;
    private readonly Counter<long> _resolutionFailures;
    private readonly Counter<long> _endpointChanges;
    private readonly UpDownCounter<long> _endpoints;
    private readonly Counter<long> _attempts;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _transportFailures;

    public DiscoveryMetrics(IMeterFactory? meterFactory)
    {
        if (meterFactory is null)
        {
            Meter = new Meter(DiscoveryTelemetry.MeterName);
            _ownsMeter = true;
        }
        else
        {
            Meter = meterFactory.Create(DiscoveryTelemetry.MeterName);
        }

        _resolutions = Meter.CreateCounter<long>(DiscoveryTelemetry.Resolutions, description: "Name resolutions of peer targets");
        _resolutionFailures = Meter.CreateCounter<long>(DiscoveryTelemetry.ResolutionFailures, description: "Name resolutions that failed");
        _endpointChanges = Meter.CreateCounter<long>(DiscoveryTelemetry.EndpointChanges, description: "Resolutions that changed a target's endpoint set");
        _endpoints = Meter.CreateUpDownCounter<long>(DiscoveryTelemetry.Endpoints, description: "Endpoints currently known per target");
        _attempts = Meter.CreateCounter<long>(DiscoveryTelemetry.Attempts, description: "gRPC call attempts sent");
        _retries = Meter.CreateCounter<long>(DiscoveryTelemetry.Retries, description: "gRPC call attempts that were retries");
        _transportFailures = Meter.CreateCounter<long>(DiscoveryTelemetry.TransportFailures, description: "gRPC call attempts that failed to connect or lost their connection");
    }

    public Meter Meter { get; }

    /// <summary>Whether anybody listens to the per-attempt instruments (lets the hot path skip its bookkeeping).</summary>
    public bool AttemptsObserved => _attempts.Enabled || _retries.Enabled || _transportFailures.Enabled;

    public void Resolved(string target, string outcome) =>
        _resolutions.Add(1, new TagList { { "engula.target", target }, { "outcome", outcome } });

    public void ResolutionFailed(string target) => _resolutionFailures.Add(1, new KeyValuePair<string, object?>("engula.target", target));

    public void EndpointsChanged(string target, int previousCount, int count)
    {
        var tag = new KeyValuePair<string, object?>("engula.target", target);
        _endpointChanges.Add(1, tag);
        if (count != previousCount)
        {
            _endpoints.Add(count - previousCount, tag);
        }
    }

    public void Attempt(string target, string method, bool isRetry)
    {
        var tags = new TagList { { "engula.target", target }, { "rpc.method", method } };
        _attempts.Add(1, tags);
        if (isRetry)
        {
            _retries.Add(1, tags);
        }
    }

    public void TransportFailure(string target, string method) =>
        _transportFailures.Add(1, new TagList { { "engula.target", target }, { "rpc.method", method } });

    public void Dispose()
    {
        if (_ownsMeter)
        {
            Meter.Dispose();
        }
    }
}
