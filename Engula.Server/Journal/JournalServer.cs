namespace Engula.Server.Journal;

/// <summary>Builds the journal process: <c>engula.journal.v1.Journal</c> over h2c.</summary>
public static class JournalServer
{
    /// <summary>
    /// Builds the journal server. In file mode every stream is recovered here, before the returned application starts
    /// listening, so the first call already sees all acknowledged events.
    /// </summary>
    public static WebApplication Build(ServerOptions server, JournalOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.SegmentSize);
        return EngulaWebHost.BuildStoreComponent<JournalOptions, IJournalStore, MemJournalStore, FileJournalStore, JournalService, JournalMetrics>(
            EngulaComponentKind.Journal, server, options, inFiles: options.Directory is not null);
    }
}
