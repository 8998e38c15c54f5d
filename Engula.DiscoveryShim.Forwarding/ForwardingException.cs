using Grpc.Core;

namespace Engula.DiscoveryShim.Forwarding;

/// <summary>A request the forwarder refuses (malformed frame, unsupported encoding, oversized message), with the
/// status the caller gets.</summary>
internal sealed class ForwardingException(StatusCode code, string message) : Exception(message)
{
    public StatusCode Code { get; } = code;
}
