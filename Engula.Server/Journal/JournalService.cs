using Engula.Server.Files;
using Engula.Protocol.Journal;
using Grpc.Core;
using JournalGrpc = Engula.Protocol.Journal.Journal;

namespace Engula.Server.Journal;

/// <summary>
/// <c>engula.journal.v1.Journal</c> (journal.proto) over <see cref="IJournalStore"/>. Failures are exceptions that
/// <see cref="Runtime.StatusMappingInterceptor"/> turns into statuses.
/// </summary>
internal sealed class JournalService(IJournalStore store, JournalMetrics metrics) : JournalGrpc.JournalBase
{
    /// <summary>
    /// Event payload per <see cref="ReadEventsResponse"/>: a response holds events while their payload stays within
    /// this bound, and at least one event (a larger event travels alone). The original mem journal sent a whole
    /// stream in one message and the file journal one message per event; clients concatenate either way.
    /// </summary>
    public const int MaxReadBatchBytes = 1024 * 1024;

    public override async Task<CreateStreamResponse> CreateStream(CreateStreamRequest request, ServerCallContext context)
    {
        await store.CreateStreamAsync(PathSafeName.Validate("stream", request.Stream), context.CancellationToken);
        return new CreateStreamResponse();
    }

    public override async Task<DeleteStreamResponse> DeleteStream(DeleteStreamRequest request, ServerCallContext context)
    {
        await store.DeleteStreamAsync(PathSafeName.Validate("stream", request.Stream), context.CancellationToken);
        return new DeleteStreamResponse();
    }

    public override async Task<AppendEventResponse> AppendEvent(AppendEventRequest request, ServerCallContext context)
    {
        var stream = PathSafeName.Validate("stream", request.Stream);
        var ts = JournalTimestamp.Decode(request.Ts);
        using var activity = JournalTelemetry.Source.StartActivity("journal.append");
        activity?.SetTag("engula.journal.stream", stream);
        activity?.SetTag("engula.journal.bytes", request.Data.Length);

        // Not cancellable once accepted: the append becomes durable (or fails) whether or not the caller still waits.
        await store.AppendAsync(stream, ts, request.Data);
        return new AppendEventResponse();
    }

    public override async Task<ReleaseEventsResponse> ReleaseEvents(ReleaseEventsRequest request, ServerCallContext context)
    {
        var stream = PathSafeName.Validate("stream", request.Stream);
        await store.ReleaseAsync(stream, JournalTimestamp.Decode(request.Ts), context.CancellationToken);
        return new ReleaseEventsResponse();
    }

    /// <summary>
    /// Streams a snapshot of the events with <c>ts &gt;= request.ts</c> in timestamp order, batched by
    /// <see cref="MaxReadBatchBytes"/>. When nothing matches, no message is sent (like the original file journal).
    /// </summary>
    public override async Task ReadEvents(ReadEventsRequest request, IServerStreamWriter<ReadEventsResponse> responseStream, ServerCallContext context)
    {
        var stream = PathSafeName.Validate("stream", request.Stream);
        var ts = JournalTimestamp.Decode(request.Ts);
        using var cursor = store.OpenCursor(stream, ts);
        var batch = new ReadEventsResponse();
        long batchBytes = 0;
        var total = 0;
        while (await cursor.NextAsync(context.CancellationToken) is { } next)
        {
            var size = (long)JournalTimestamp.Size + next.Data.Length;
            if (batch.Events.Count > 0 && batchBytes + size > MaxReadBatchBytes)
            {
                await responseStream.WriteAsync(batch, context.CancellationToken);
                batch = new ReadEventsResponse();
                batchBytes = 0;
            }

            batch.Events.Add(new Event { Ts = JournalTimestamp.Encode(next.Ts), Data = next.Data });
            batchBytes += size;
            total++;
        }

        if (batch.Events.Count > 0)
        {
            await responseStream.WriteAsync(batch, context.CancellationToken);
        }

        metrics.Read(total);
    }
}
