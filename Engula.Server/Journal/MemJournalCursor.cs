namespace Engula.Server.Journal;

/// <summary>A mem-journal snapshot: the events copied when the read started.</summary>
internal sealed class MemJournalCursor(JournalEvent[] events) : IJournalCursor
{
    private int _next;

    public ValueTask<JournalEvent?> NextAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(_next < events.Length ? events[_next++] : (JournalEvent?)null);

    public void Dispose()
    {
    }
}
