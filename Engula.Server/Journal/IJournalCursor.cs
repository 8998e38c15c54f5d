namespace Engula.Server.Journal;

/// <summary>
/// A snapshot of a stream taken when the read started: it yields the events that were acknowledged by then, in
/// timestamp order, whatever appends, releases or deletes happen while it is read.
/// </summary>
internal interface IJournalCursor : IDisposable
{
    /// <summary>The next event, or null at the end of the snapshot.</summary>
    ValueTask<JournalEvent?> NextAsync(CancellationToken cancellationToken);
}
