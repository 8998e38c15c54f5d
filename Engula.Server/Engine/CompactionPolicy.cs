namespace Engula.Server.Engine;

/// <summary>
/// When the engine compacts: one leveled run. The engine already holds every live key in memory (its merged read
/// index), so a compaction does not merge tables pairwise: it writes the whole index, together with the memtable
/// being flushed, as ONE new table and drops every older one. Size-tiered merging would need several tables of
/// similar size before anything could go, and it lets space amplification reach the number of tiers; one run
/// bounds it by <see cref="Ratio"/>: the tables are rewritten as soon as they would hold more than
/// <c>Ratio × live bytes</c>. The price is write amplification of about <c>1 / (Ratio − 1)</c> (each compaction
/// rewrites the live data once per <c>(Ratio − 1) × live</c> bytes of new tables), which is what a hash engine
/// with all keys in memory can afford, and recovery then reads little more than the live data.
/// </summary>
public sealed record CompactionPolicy
{
    /// <summary>The default ratio: tables never exceed 1.5× the live data after a flush (plus one in-flight table).</summary>
    public const double DefaultRatio = 1.5;

    /// <summary>Below this many bytes of tables nothing is compacted (tiny clusters would compact on every flush).</summary>
    public const long DefaultMinBytes = 1024 * 1024;

    /// <summary>Bytes of tables allowed per byte of live data; 0 turns compaction off. Otherwise greater than 1.</summary>
    public double Ratio { get; init; } = DefaultRatio;

    public long MinBytes { get; init; } = DefaultMinBytes;

    public bool Enabled => Ratio > 0;

    /// <summary>
    /// Whether the flush that would bring the tables to <paramref name="tableBytesAfterFlush"/> bytes (over
    /// <paramref name="tables"/> tables, counting the new one) should be a compaction instead, given
    /// <paramref name="liveBytesAfterFlush"/> bytes of live data.
    /// </summary>
    public bool ShouldCompact(int tables, long tableBytesAfterFlush, long liveBytesAfterFlush) =>
        Enabled && tables >= 2 && tableBytesAfterFlush >= MinBytes && tableBytesAfterFlush > Ratio * Math.Max(liveBytesAfterFlush, 1);
}
