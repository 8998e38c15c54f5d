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
/// <item>A subchannel that grpc-dotnet still reports Ready but whose call just failed below HTTP is skipped for a
/// back-off (<see cref="EndpointQuarantine"/>), so WaitForReady and retries work in that window too.</item>
/// </list>
/// </summary>
internal sealed class DiscoveryLoadBalancer : LoadBalancer
{
    private readonly IChannelControlHelper _controller;
    private readonly ILoggerFactory _loggerFactory;
    private readonly bool _roundRobin;
    private readonly string _target;
    private LoadBalancer? _child;
    private volatile BalancerState? _lastState;
    private volatile bool _disposed;

    public DiscoveryLoadBalancer(IChannelControlHelper controller, ILoggerFactory loggerFactory, bool roundRobin, string target, EngulaChannelOptions options)
    {
        _controller = controller;
        _loggerFactory = loggerFactory;
        _roundRobin = roundRobin;
        _target = target;
        Quarantine = new EndpointQuarantine(options.InitialReconnectBackoff, options.MaxReconnectBackoff);
    }

    internal EndpointQuarantine Quarantine { get; }

    internal string Target => _target;

    /// <summary>A call on <paramref name="subchannel"/> failed below HTTP: skip it for a while, and re-resolve (the
    /// pod may have moved). When the quarantine ends, the re-resolution path republishes the picker so calls
    /// waiting for a ready endpoint try it again.</summary>
    internal void OnTransportFailure(Subchannel subchannel)
    {
        if (_disposed)
        {
            return;
        }

        var duration = Quarantine.Add(subchannel);
        _controller.RefreshResolver();
        _ = Task.Delay(duration).ContinueWith(
            static (_, state) =>
            {
                var balancer = (DiscoveryLoadBalancer)state!;
                if (!balancer._disposed)
                {
                    balancer._controller.RefreshResolver();
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
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

        // A resolution that changed nothing publishes nothing; while endpoints are quarantined a fresh picker
        // makes waiting calls pick again (quarantines that have ended are then tried).
        if (!Quarantine.IsEmpty && _lastState is { ConnectivityState: ConnectivityState.Ready } last)
        {
            _controller.UpdateState(Wrap(last));
        }
    }

    private BalancerState Wrap(BalancerState state) =>
        state.ConnectivityState == ConnectivityState.Ready ? new BalancerState(state.ConnectivityState, new QuarantinePicker(state.Picker, this)) : state;

    public override void RequestConnection() => _child?.RequestConnection();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _disposed = true;
            DropChild();
        }

        base.Dispose(disposing);
    }

    private void DropChild()
    {
        var child = _child;

        // Cleared before disposing, so the Shutdown notifications of its subchannels are ignored below.
        _child = null;
        _lastState = null;
        Quarantine.Forget([]);
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

            parent._lastState = state;
            parent._controller.UpdateState(parent.Wrap(state));
            if (state.ConnectivityState == ConnectivityState.TransientFailure)
            {
                parent._controller.RefreshResolver();
            }
        }
    }
}
