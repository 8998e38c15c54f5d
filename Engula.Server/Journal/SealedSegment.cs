namespace Engula.Server.Journal;

/// <summary>A sealed segment as the stream keeps it in memory: enough to skip, read or release it without opening it.</summary>
internal sealed record SealedSegment(ulong Number, string Path, ulong FirstTs, ulong LastTs, long DataEnd);
