using System.Buffers.Binary;
using Engula.Protocol.Journal;
using Google.Protobuf;
using Grpc.Core;

namespace Engula.DiscoveryShim.Tests.Infrastructure;

/// <summary>
/// A test implementation of <c>engula.journal.v1.Journal</c> that reports what reached it (the real journal
/// server is another project's and cannot be made to die between applying and answering). Behaviour:
/// CreateStream/AppendEvent succeed or, with <see cref="BackendState.HoldMutations"/>, apply and hang;
/// ReadEvents streams <c>ts</c> (as a number) events, each carrying the backend's address, or NOT_FOUND for stream
/// "missing"; DeleteStream always fails NOT_FOUND with a non-ASCII message and custom trailers.
/// </summary>
public sealed class ProbeJournalService(BackendState state, string backend) : Journal.JournalBase
{
    public override Task<CreateStreamResponse> CreateStream(CreateStreamRequest request, ServerCallContext context) =>
        MutateAsync(new CreateStreamResponse(), context);

    public override Task<AppendEventResponse> AppendEvent(AppendEventRequest request, ServerCallContext context) =>
        MutateAsync(new AppendEventResponse(), context);

    public override Task<ReleaseEventsResponse> ReleaseEvents(ReleaseEventsRequest request, ServerCallContext context) =>
        Task.FromResult(new ReleaseEventsResponse());

    public override Task<DeleteStreamResponse> DeleteStream(DeleteStreamRequest request, ServerCallContext context) =>
        throw new RpcException(
            new Status(StatusCode.NotFound, $"strøm '{request.Stream}' ✓ 100%"),
            new Metadata { { "engula-probe", backend }, { "engula-detail-bin", [1, 2, 3, 255] } });

    public override async Task ReadEvents(ReadEventsRequest request, IServerStreamWriter<ReadEventsResponse> responseStream, ServerCallContext context)
    {
        if (request.Stream == "missing")
        {
            throw new RpcException(new Status(StatusCode.NotFound, "stream 'missing'"));
        }

        var count = request.Ts.Length == 8 ? BinaryPrimitives.ReadUInt64BigEndian(request.Ts.Span) : 0;
        for (ulong i = 0; i < count; i++)
        {
            var ts = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(ts, i);
            await responseStream.WriteAsync(new ReadEventsResponse
            {
                Events = { new Event { Ts = ByteString.CopyFrom(ts), Data = ByteString.CopyFromUtf8(backend) } },
            }, context.CancellationToken);
        }
    }

    private async Task<T> MutateAsync<T>(T response, ServerCallContext context)
    {
        if (state.HoldMutations)
        {
            state.SignalApplied();
            // Not a sleep: the call is held until the client cancels it or its deadline passes (that signal ends it).
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }

        return response;
    }
}
