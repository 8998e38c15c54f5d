namespace Engula.Server.Journal;

/// <summary>Options of <c>engula journal run</c>.</summary>
public sealed class JournalOptions
{
    public const long DefaultSegmentSize = 64L * 1024 * 1024;

    /// <summary><c>--file</c> root directory; null means <c>--mem</c>.</summary>
    public string? Directory { get; init; }

    public long SegmentSize { get; init; } = DefaultSegmentSize;
}
