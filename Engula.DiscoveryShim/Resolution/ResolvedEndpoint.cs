namespace Engula.DiscoveryShim.Resolution;

/// <summary>One endpoint of a target: the IP (or host) to dial, its port, and the <c>:authority</c> to send,
/// which is the name the target was resolved from (as grpc-go does), not the pod IP.</summary>
internal sealed record ResolvedEndpoint(string Host, int Port, string Authority)
{
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
