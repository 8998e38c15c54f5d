using Engula.DiscoveryShim.Tests.Infrastructure;
using Engula.Protocol.Journal;
using Google.Protobuf;
using Grpc.Core;

namespace Engula.DiscoveryShim.Tests;

/// <summary>
/// An endpoint grpc-dotnet believes Ready (its TCP connect succeeds) but that cannot serve a call: without the
/// shim's quarantine round robin keeps sending every other call to it (verified: 37 of 60 failed with the
/// quarantine disabled).
/// </summary>
public sealed class QuarantineTests
{
    private const string AppendPath = "/engula.journal.v1.Journal/AppendEvent";

    [Fact]
    public async Task Calls_steer_around_a_listed_endpoint_that_accepts_and_drops_connections()
    {
        await using var cluster = TestCluster.Create();
        await cluster.StartAsync(0);
        using var broken = new ClosingAcceptor(cluster.Backends[1].Address, cluster.Port);
        cluster.List(0, 1);
        using var channel = cluster.Factory(o => o.RefreshInterval = TimeSpan.FromMinutes(10)).CreateChannel(cluster.DnsTarget);
        var journal = new Journal.JournalClient(channel);
        await TestCluster.CheckAsync(channel, waitForReady: true);

        // AppendEvent is never retried, so every pick on the broken endpoint would surface as a failed call.
        var failures = 0;
        for (ulong i = 1; i <= 60; i++)
        {
            try
            {
                await journal.AppendEventAsync(new AppendEventRequest { Stream = "DEFAULT", Ts = ByteString.CopyFrom(BitConverter.GetBytes(i)) }, EngulaCallOptions.WaitForReady(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                failures++;
            }
        }

        Assert.True(broken.Accepted > 0, "the broken endpoint was tried");
        Assert.True(failures <= 5, $"{failures} of 60 calls failed on the broken endpoint (round robin alone: about 30)");
        Assert.Equal(60 - failures, cluster.State.Calls(cluster.Backends[0].Name, AppendPath));
    }
}
