namespace Engula.Server.Journal;

/// <summary>The decoded footer of a sealed segment (see <see cref="SegmentFormat"/>).</summary>
internal sealed record SegmentFooter(int RecordCount, ulong FirstTs, ulong LastTs, long DataEnd);
