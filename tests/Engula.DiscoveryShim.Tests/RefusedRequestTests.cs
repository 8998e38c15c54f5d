using System.Buffers.Binary;
using System.Net;
using Engula.DiscoveryShim.Tests.Infrastructure;
using Engula.Protocol.Journal;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Engula.DiscoveryShim.Tests;

/// <summary>
/// A request the server refused unprocessed (GOAWAY with a lower last stream id: a server going away, or Kestrel
/// ending a connection over another stream's protocol error) is sent again by HttpClient on a new connection.
/// It must arrive whole: grpc-dotnet's content for a call under the retry policy writes nothing the second time
/// (grpc/grpc-dotnet#1778), and the server then fails the call with INTERNAL "Incomplete message.".
/// </summary>
public sealed class RefusedRequestTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_retried_unary_call_refused_by_GOAWAY_is_sent_again_whole()
    {
        var reply = await ThroughRefusedFirstConnection(async channel =>
            await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), Options()));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    [Fact]
    public async Task A_retried_server_streaming_call_refused_by_GOAWAY_is_sent_again_whole()
    {
        var count = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(count, 3);

        var events = await ThroughRefusedFirstConnection(async channel =>
        {
            using var call = new Journal.JournalClient(channel).ReadEvents(
                new ReadEventsRequest { Stream = "DEFAULT", Ts = ByteString.CopyFrom(count) }, Options());
            var received = 0;
            await foreach (var response in call.ResponseStream.ReadAllAsync(Ct))
            {
                received += response.Events.Count;
            }

            return received;
        });

        // The probe journal streams as many events as the request's ts says: the request arrived intact.
        Assert.Equal(3, events);
    }

    [Fact]
    public async Task A_call_without_the_retry_policy_refused_by_GOAWAY_is_also_sent_again_whole()
    {
        var reply = await ThroughRefusedFirstConnection(async channel =>
            await new Journal.JournalClient(channel).AppendEventAsync(
                new AppendEventRequest { Stream = "DEFAULT", Ts = ByteString.CopyFrom(new byte[8]), Data = ByteString.CopyFromUtf8("x") }, Options()));

        Assert.NotNull(reply);
    }

    private static CallOptions Options() => new(deadline: DateTime.UtcNow.AddSeconds(15), cancellationToken: Ct);

    /// <summary>Runs <paramref name="call"/> on a shim channel whose first connection refuses the request, and checks
    /// that the refusal happened and that the request then went to the backend on a second connection.</summary>
    private static async Task<T> ThroughRefusedFirstConnection<T>(Func<GrpcChannel, Task<T>> call)
    {
        var state = new BackendState();
        await using var backend = await TestBackend.StartAsync(IPAddress.Loopback, LoopbackPort.FreeOnAllBackends(), state, Ct);
        await using var proxy = RefusingFirstConnectionProxy.Start(new IPEndPoint(backend.Address, backend.Port));
        using var channel = new EngulaChannelFactory().CreateChannel(proxy.Address);

        var result = await call(channel);

        await proxy.Refused.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(2, proxy.Accepted);
        Assert.Equal(1, state.CallsTo(backend.Name));
        return result;
    }
}
