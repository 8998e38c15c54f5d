using Grpc.Core;
using Grpc.Net.Client.Balancer;

namespace Engula.DiscoveryShim.Balancing;

/// <summary>
/// Wraps the child balancer's Ready picker: skips quarantined subchannels (asking the inner picker again, which
/// for round robin moves to the next one), fails the pick when all are quarantined (a WaitForReady call then
/// waits for the next picker instead of failing), and attaches a tracker that quarantines a subchannel whose call
/// failed below HTTP.
/// </summary>
internal sealed class QuarantinePicker(SubchannelPicker inner, DiscoveryLoadBalancer owner) : SubchannelPicker
{
    private const int MaxSkips = 16;

    // Picks are on every call's path: one result (and tracker) per subchannel, made once per picker.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Subchannel, PickResult> _results = new();

    public SubchannelPicker Inner => inner;

    public override PickResult Pick(PickContext context)
    {
        for (var attempt = 0; attempt <= MaxSkips; attempt++)
        {
            var result = inner.Pick(context);
            if (result.Type != PickResultType.Complete || result.Subchannel is not { } subchannel)
            {
                return result;
            }

            if (!owner.Quarantine.IsQuarantined(subchannel))
            {
                // A tracker of the inner picker may hold per-call state, so only results without one are reused.
                return result.SubchannelCallTracker is { } innerTracker
                    ? PickResult.ForSubchannel(subchannel, new Tracker(owner, subchannel, innerTracker))
                    : _results.GetOrAdd(subchannel, static (s, o) => PickResult.ForSubchannel(s, new Tracker(o, s, null)), owner);
            }
        }

        return PickResult.ForFailure(new Status(StatusCode.Unavailable, $"every ready endpoint of {owner.Target} just failed to connect; retrying after a back-off"));
    }

    private sealed class Tracker(DiscoveryLoadBalancer owner, Subchannel subchannel, ISubchannelCallTracker? inner) : ISubchannelCallTracker
    {
        public void Start() => inner?.Start();

        public void Complete(CompletionContext context)
        {
            inner?.Complete(context);
            if (context.Error is HttpRequestException or IOException)
            {
                owner.OnTransportFailure(subchannel);
            }
            else if (context.Error is null)
            {
                owner.Quarantine.Clear(subchannel);
            }
        }
    }
}
