using Microsoft.Extensions.Logging;

namespace Engula.DiscoveryShim.Telemetry;

/// <summary>Source-generated log messages of the DiscoveryShim (event ids 1–99).</summary>
internal static partial class DiscoveryLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Channel for {Target} created ({Kind}, {Policy})")]
    public static partial void ChannelCreated(ILogger logger, string target, PeerAddressKind kind, string policy);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Endpoints of {Target} changed: {Count} endpoint(s) [{Endpoints}]")]
    public static partial void EndpointsChanged(ILogger logger, string target, int count, string endpoints);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "{Target} resolved to no endpoints; calls fail with UNAVAILABLE (or wait, with WaitForReady) until it has some")]
    public static partial void NoEndpoints(ILogger logger, string target);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Resolving {Target} failed: {Error}; the last known endpoints stay in use")]
    public static partial void ResolutionFailed(ILogger logger, string target, string error);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Re-resolution of {Target} deferred by {Delay} (minimum interval between resolutions)")]
    public static partial void ResolutionDeferred(ILogger logger, string target, TimeSpan delay);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "Retrying {Method} to {Target} (attempt {Attempt})")]
    public static partial void Retrying(ILogger logger, string method, string target, int attempt);

    [LoggerMessage(EventId = 7, Level = LogLevel.Debug, Message = "Call attempt {Method} to {Endpoint} ({Target}) failed below gRPC: {Error}")]
    public static partial void TransportFailure(ILogger logger, string method, string endpoint, string target, string error);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "Waiting for {Dependency} (attempt {Attempt}, next in {Delay}): {Error}")]
    public static partial void WaitingForDependency(ILogger logger, string dependency, int attempt, TimeSpan delay, string? error);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Endpoints of {Target} are back: {Count} endpoint(s) [{Endpoints}]")]
    public static partial void EndpointsBack(ILogger logger, string target, int count, string endpoints);
}
