using Grpc.Core;

namespace Engula.DiscoveryShim;

/// <summary>How one gRPC method is treated by the channel's retry policy (see <see cref="EngulaCallClassification"/>).</summary>
/// <param name="Service">Full service name, e.g. <c>engula.journal.v1.Journal</c>.</param>
/// <param name="Method">Method name, e.g. <c>AppendEvent</c>.</param>
/// <param name="Type">Streaming shape.</param>
/// <param name="RetryOnUnavailable">Whether UNAVAILABLE is retried (before the call is committed).</param>
/// <param name="Reason">Why.</param>
public sealed record EngulaMethodClassification(string Service, string Method, MethodType Type, bool RetryOnUnavailable, string Reason)
{
    /// <summary>The HTTP/2 path, <c>/service/method</c>.</summary>
    public string Path => "/" + Service + "/" + Method;
}
