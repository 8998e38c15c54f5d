using System.Diagnostics;

namespace Engula.Server.Engine;

/// <summary>
/// A write waiting for its group commit; completed once its WAL record is durable in the journal. Its waiter and the
/// writer loop race for it once: the writer takes it into a batch (<see cref="TryTake"/>), or the waiter gives up on
/// it first (<see cref="TryAbandon"/>, deadline passed or client gone) and the writer then skips it. Whoever wins
/// decides what the waiter may say: a write abandoned while queued was never sent ("not applied"); one taken may be
/// in the journal ("outcome unknown" until the writer resolves it).
/// </summary>
internal sealed class PendingWrite(WriteRecord record, ActivityContext parent, int size)
{
    private const int Queued = 0;
    private const int Taken = 1;
    private const int Abandoned = 2;

    private int _state;

    public WriteRecord Record { get; } = record;

    public ActivityContext Parent { get; } = parent;

    /// <summary>Bytes this write counts against the bound on waiting writes.</summary>
    public int Size { get; } = size;

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Called by the writer loop: true if the write goes into a batch, false if its waiter already gave up.</summary>
    public bool TryTake() => Interlocked.CompareExchange(ref _state, Taken, Queued) == Queued;

    /// <summary>Called by the waiter: true if the write was still queued (it will never be sent).</summary>
    public bool TryAbandon() => Interlocked.CompareExchange(ref _state, Abandoned, Queued) == Queued;
}
