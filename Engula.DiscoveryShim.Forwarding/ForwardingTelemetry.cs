using System.Diagnostics;
using System.Diagnostics.Metrics;
using Engula.DiscoveryShim.Telemetry;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Engula.DiscoveryShim.Forwarding;

/// <summary>
/// The forwarder's counter, <c>engula.shim.forwarded_calls</c>, on the <c>Engula.DiscoveryShim</c> meter beside the
/// channels' instruments (a meter factory hands out one meter per name, so they share it).
/// </summary>
internal sealed class ForwardingMetrics : IDisposable
{
    private readonly Meter? _ownedMeter;
    private readonly Counter<long> _forwardedCalls;

    public ForwardingMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(DiscoveryTelemetry.MeterName) ?? (_ownedMeter = new Meter(DiscoveryTelemetry.MeterName));
        _forwardedCalls = meter.CreateCounter<long>(DiscoveryTelemetry.ForwardedCalls, description: "Calls forwarded by the sidecar");
    }

    public void Forwarded(string target, string method, StatusCode code) =>
        _forwardedCalls.Add(1, new TagList { { "engula.target", target }, { "rpc.method", method }, { "rpc.grpc.status_code", (int)code } });

    public void Dispose() => _ownedMeter?.Dispose();
}

/// <summary>The forwarder's logs (event ids 9–11, as when they were part of the channel's logs).</summary>
internal static partial class ForwardingLog
{
    [LoggerMessage(EventId = 9, Level = LogLevel.Debug, Message = "Forwarding {Method} to {Target}")]
    public static partial void Forwarding(ILogger logger, string method, string target);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Refused a forwarded call {Method}: {Reason}")]
    public static partial void ForwardRefused(ILogger logger, string method, string reason);

    [LoggerMessage(EventId = 11, Level = LogLevel.Debug, Message = "Forwarded call {Method} to {Target} ended with {Status}: {Detail}")]
    public static partial void ForwardCompleted(ILogger logger, string method, string target, StatusCode status, string detail);
}
