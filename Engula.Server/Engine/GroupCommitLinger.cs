namespace Engula.Server.Engine;

/// <summary>
/// Lets the engine's single writer wait, briefly, for the writers it has just acknowledged before it seals the next
/// batch.
/// </summary>
/// <remarks>
/// With one journal append in flight, closed-loop clients split into two halves that alternate: the writes acknowledged
/// by one append come back while the next append (carrying the other half) is in flight, so every append carries about
/// half of the clients. Waiting for the acknowledged writers to return — usually a fraction of the append's round trip —
/// lets one append carry nearly all of them. The wait ends as soon as the queue reaches the target (no timer
/// granularity in the common case) or after <see cref="EngineOptions.GroupCommitLinger"/>; a writer that worked alone
/// (batch of one) never waits, so a single client's latency is unchanged.
/// </remarks>
internal sealed class GroupCommitLinger(TimeProvider time)
{
    private int _queued;
    private int _target;
    private TaskCompletionSource? _filled;

    /// <summary>
    /// How many queued writes the next batch should wait for: those already queued plus most of the batch just
    /// acknowledged (not all: one slow client must not hold the rest for the whole linger).
    /// </summary>
    public static int NextTarget(int queuedNow, int acknowledged) => acknowledged <= 1 ? 0 : queuedNow + (acknowledged * 7 / 8);

    /// <summary>Writes queued and not yet taken by the writer.</summary>
    public int Count => Volatile.Read(ref _queued);

    /// <summary>Called by a producer after it queued a write: wakes the writer once the target is reached.</summary>
    public void Queued()
    {
        int queued = Interlocked.Increment(ref _queued);
        int target = Volatile.Read(ref _target);
        if (target > 0 && queued >= target)
        {
            Volatile.Read(ref _filled)?.TrySetResult();
        }
    }

    /// <summary>Called by the writer for the writes it took from the queue.</summary>
    public void Taken(int count) => Interlocked.Add(ref _queued, -count);

    /// <summary>Waits until <paramref name="target"/> writes are queued or <paramref name="limit"/> has passed.</summary>
    public async ValueTask WaitAsync(int target, TimeSpan limit)
    {
        if (target <= 0 || limit <= TimeSpan.Zero || Count >= target)
        {
            return;
        }

        var filled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _filled, filled);
        // Publish the target with a full fence, then look again: a producer that queued before seeing the target is
        // counted by this second look, so no arrival is missed.
        Interlocked.Exchange(ref _target, target);
        try
        {
            if (Count < target)
            {
                using var timeout = new CancellationTokenSource(limit, time);
                await filled.Task.WaitAsync(timeout.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        finally
        {
            Interlocked.Exchange(ref _target, 0);
        }
    }
}
