using Grpc.Net.Client.Balancer;

namespace Engula.DiscoveryShim.Balancing;

/// <summary>Creates <see cref="DiscoveryLoadBalancer"/>s under the policy names <see cref="RoundRobin"/> and
/// <see cref="PickFirst"/> (own names, so grpc-dotnet's built-in <c>round_robin</c>/<c>pick_first</c> stay untouched).</summary>
internal sealed class DiscoveryLoadBalancerFactory(string name, string target, EngulaChannelOptions channelOptions) : LoadBalancerFactory
{
    public const string RoundRobin = "engula_round_robin";
    public const string PickFirst = "engula_pick_first";

    public override string Name => name;

    public override LoadBalancer Create(LoadBalancerOptions options) =>
        new DiscoveryLoadBalancer(options.Controller, options.LoggerFactory, roundRobin: name == RoundRobin, target, channelOptions);
}
