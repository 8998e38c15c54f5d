using Grpc.Core;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.Logging;

namespace Engula.DiscoveryShim.Balancing;

/// <summary>
/// Wraps grpc-dotnet's own round_robin or pick_first balancer (their subchannel
/// and connection back-off logic is used unchanged) and fixes two gaps for headless Services:
/// <list type="bullet">
/// <item>An empty resolver answer (Service scaled to zero, NXDOMAIN) is ignored by grpc-dotnet's balancers while
/// the channel is Ready, so calls keep going to the old pods. Here it drops the child balancer — disposing
/// every subchannel and its connections — and fails picks with UNAVAILABLE until endpoints return.</item>
/// <item>pick_first asks for re-resolution only when its subchannel goes Idle, not when a
/// connection attempt fails; here every TransientFailure asks too (the resolver's floor bounds the rate), so a
/// <c>host:port</c> whose name moved to a new IP is followed.</item>
/// </list>
/// </summary>
internal sealed class DiscoveryLoadBalancer : LoadBalancer
{
    private readonly IChannelControlHelper _controller;
    private readonly ILoggerFactory _loggerFactory;
    private readonly bool _roundRobin;
    private readonly string _target;
    private LoadBalancer? _child;

    public DiscoveryLoadBalancer(IChannelControlHelper controller, ILoggerFactory loggerFactory, bool roundRobin, string target)
    {
        _controller = controller;
        _loggerFactory = loggerFactory;
        _roundRobin = roundRobin;
        _target = target;
    }

    // grpc-dotnet serialises balancer calls (resolver results and subchannel state changes) under the
    // ConnectionManager's lock, so no locking is needed here.
    public override void UpdateChannelState(ChannelState state)
    {
        if (state.Status.StatusCode == StatusCode.OK && (state.Addresses is null || state.Addresses.Count == 0))
        {
            DropChild();
            _controller.UpdateState(new BalancerState(
                ConnectivityState.TransientFailure,
                new FailurePicker(new Status(StatusCode.Unavailable, $"{_target} has no endpoints (DNS returned no records)"))));
            return;
        }

        if (_child is null)
        {
            var helper = new ChildHelper(this);
            LoadBalancerFactory factory = _roundRobin ? new RoundRobinBalancerFactory() : new PickFirstBalancerFactory();
            _child = factory.Create(new LoadBalancerOptions(helper, _loggerFactory, new Dictionary<string, object>()));
            helper.Child = _child;
        }

        _child.UpdateChannelState(state);
    }

    public override void RequestConnection() => _child?.RequestConnection();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            DropChild();
        }

        base.Dispose(disposing);
    }

    private void DropChild()
    {
        var child = _child;

        // Cleared before disposing, so the Shutdown notifications of its subchannels are ignored below.
        _child = null;
        child?.Dispose();
    }

    private sealed class ChildHelper(DiscoveryLoadBalancer parent) : IChannelControlHelper
    {
        public LoadBalancer? Child { get; set; }

        private bool IsCurrent => Child is not null && ReferenceEquals(Child, parent._child);

        public Subchannel CreateSubchannel(SubchannelOptions options) => parent._controller.CreateSubchannel(options);

        public void RefreshResolver()
        {
            if (IsCurrent)
            {
                parent._controller.RefreshResolver();
            }
        }

        public void UpdateState(BalancerState state)
        {
            // A child being created has not been assigned yet (Child is set right after construction); a child
            // that was dropped must not overwrite the "no endpoints" picker.
            if (Child is not null && !IsCurrent)
            {
                return;
            }

            parent._controller.UpdateState(state);
            if (state.ConnectivityState == ConnectivityState.TransientFailure)
            {
                parent._controller.RefreshResolver();
            }
        }
    }
}
