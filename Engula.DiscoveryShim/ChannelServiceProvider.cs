using Grpc.Net.Client.Balancer;

namespace Engula.DiscoveryShim;

/// <summary>The per-channel service provider grpc-dotnet asks for resolver and balancer factories
/// (<c>GrpcChannelOptions.ServiceProvider</c>); anything else falls back to grpc-dotnet's defaults.</summary>
internal sealed class ChannelServiceProvider(ResolverFactory resolverFactory, LoadBalancerFactory loadBalancerFactory) : IServiceProvider
{
    private readonly ResolverFactory[] _resolvers = [resolverFactory];
    private readonly LoadBalancerFactory[] _balancers = [loadBalancerFactory];

    public object? GetService(Type serviceType)
    {
        if (serviceType == typeof(IEnumerable<ResolverFactory>))
        {
            return _resolvers;
        }

        if (serviceType == typeof(IEnumerable<LoadBalancerFactory>))
        {
            return _balancers;
        }

        return null;
    }
}
