using Engula.DiscoveryShim.Telemetry;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.Logging;

namespace Engula.DiscoveryShim.Resolution;

/// <summary>Creates the resolver of one channel (scheme <see cref="Scheme"/>); the target is already parsed, so
/// the channel URI only carries the scheme.</summary>
internal sealed class DiscoveryResolverFactory(PeerAddress target, IEndpointLookup lookup, EngulaChannelOptions options, DiscoveryMetrics metrics, ILoggerFactory loggerFactory)
    : ResolverFactory
{
    public const string Scheme = "engula";

    public override string Name => Scheme;

    public override Resolver Create(ResolverOptions resolverOptions) =>
        new DiscoveryResolver(target, lookup, options, metrics, loggerFactory.CreateLogger<DiscoveryResolver>());
}
