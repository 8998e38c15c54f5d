using Grpc.Net.Client.Balancer;

namespace Engula.DiscoveryShim.Bench;

/// <summary>
/// Gives a channel grpc-dotnet's own <see cref="StaticResolverFactory"/> under a non-http scheme: a resolver-based
/// channel with none of the shim's code, to tell grpc-dotnet's cost for such channels from the shim's.
/// </summary>
internal sealed class StaticResolverServiceProvider(string host, int port) : IServiceProvider
{
    public const string Scheme = "static";

    private readonly ResolverFactory[] _resolvers = [new StaticResolverFactory(_ => [new BalancerAddress(host, port)])];

    public object? GetService(Type serviceType) => serviceType == typeof(IEnumerable<ResolverFactory>) ? _resolvers : null;
}
