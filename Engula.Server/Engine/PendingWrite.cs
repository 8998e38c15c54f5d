using System.Diagnostics;

namespace Engula.Server.Engine;

/// <summary>A write waiting for its group commit; completed once its WAL record is durable in the journal.</summary>
internal sealed class PendingWrite(WriteRecord record, ActivityContext parent)
{
    public WriteRecord Record { get; } = record;

    public ActivityContext Parent { get; } = parent;

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
