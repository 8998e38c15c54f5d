using Grpc.Core;
using Grpc.Net.Client.Balancer;

namespace Engula.DiscoveryShim.Balancing;

/// <summary>Fails every pick with one status (calls with WaitForReady wait for the next picker instead).</summary>
internal sealed class FailurePicker(Status status) : SubchannelPicker
{
    public override PickResult Pick(PickContext context) => PickResult.ForFailure(status);
}
