using Google.Protobuf;

namespace Engula.Server.Journal;

/// <summary>An accepted append waiting for the stream's writer to make it durable.</summary>
internal sealed class PendingAppend(ulong ts, ByteString data)
{
    public ulong Ts { get; } = ts;

    public ByteString Data { get; } = data;

    public long RecordSize => SegmentFormat.RecordHeaderSize + (long)Data.Length;

    // Continuations run asynchronously so the writer loop never runs gRPC response code on its own thread.
    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
