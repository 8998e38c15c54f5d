namespace Engula.Server.Journal;

/// <summary>What start-up recovery found, for its log line and for tests.</summary>
internal sealed class JournalRecoveryStats
{
    public int Streams { get; set; }

    public int SealedSegments { get; set; }

    public long ActiveEvents { get; set; }

    public int TornTails { get; set; }

    public int TempEntriesRemoved { get; set; }
}
