namespace Engula.DiscoveryShim.Telemetry;

/// <summary>
/// Names of the <c>Engula.DiscoveryShim</c> meter and its instruments (OpenTelemetry: <c>AddMeter("Engula.*")</c>,
/// as Engula.ServiceDefaults does). Tags: <c>engula.target</c> (the peer address as given), <c>outcome</c>,
/// <c>rpc.method</c> (<c>/package.Service/Method</c>), <c>rpc.grpc.status_code</c>.
/// </summary>
public static class DiscoveryTelemetry
{
    public const string MeterName = "Engula.DiscoveryShim";

    /// <summary>Counter: resolutions by <c>outcome</c> = <c>addresses</c> | <c>empty</c> | <c>failed</c>.</summary>
    public const string Resolutions = "engula.discovery.resolutions";

    /// <summary>Counter: resolutions that failed (DNS error or timeout; an empty answer is not a failure).</summary>
    public const string ResolutionFailures = "engula.discovery.resolution_failures";

    /// <summary>Counter: resolutions whose endpoint set differed from the previous one.</summary>
    public const string EndpointChanges = "engula.discovery.endpoint_changes";

    /// <summary>Up-down counter: endpoints currently known per target.</summary>
    public const string Endpoints = "engula.discovery.endpoints";

    /// <summary>Counter: HTTP/2 requests (call attempts) sent by channels, retries included.</summary>
    public const string Attempts = "engula.grpc.client.attempts";

    /// <summary>Counter: attempts that were retries (grpc-dotnet marks them with <c>grpc-previous-rpc-attempts</c>).</summary>
    public const string Retries = "engula.grpc.client.retries";

    /// <summary>Counter: attempts that failed below gRPC (connection refused or reset).</summary>
    public const string TransportFailures = "engula.grpc.client.transport_failures";

    /// <summary>Counter: calls forwarded by the sidecar, by method and final status code.</summary>
    public const string ForwardedCalls = "engula.shim.forwarded_calls";
}
