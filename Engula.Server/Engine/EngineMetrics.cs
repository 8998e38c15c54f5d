using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Engula.Server.Engine;

/// <summary>Engine metrics (meter <c>Engula.Engine</c>) and its activity source for traces.</summary>
public sealed class EngineMetrics
{
    public const string Name = "Engula.Engine";

    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Counter<long> _puts;
    private readonly Counter<long> _deletes;
    private readonly Counter<long> _gets;
    private readonly Counter<long> _writeFailures;
    private readonly Histogram<long> _groupCommitSize;
    private readonly Histogram<double> _commitDuration;
    private readonly Counter<long> _flushes;
    private readonly Histogram<double> _flushDuration;
    private readonly Meter _meter;
    private readonly Counter<long> _compactions;
    private readonly Counter<long> _compactionBytesIn;
    private readonly Counter<long> _compactionBytesOut;
    private readonly Counter<long> _compactionTablesIn;
    private readonly Histogram<double> _compactionDuration;

    public EngineMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        _meter = meter;
        _compactions = meter.CreateCounter<long>("engula.engine.compactions", description: "Compactions run (flushes that rewrote every table into one)");
        _compactionBytesIn = meter.CreateCounter<long>("engula.engine.compaction.bytes_in", unit: "By", description: "Bytes of tables a compaction replaced");
        _compactionBytesOut = meter.CreateCounter<long>("engula.engine.compaction.bytes_out", unit: "By", description: "Bytes of the tables compactions wrote");
        _compactionTablesIn = meter.CreateCounter<long>("engula.engine.compaction.tables_in", unit: "{table}", description: "Tables compactions replaced");
        _compactionDuration = meter.CreateHistogram<double>("engula.engine.compaction.duration", unit: "s", description: "Time to write, upload and record a compacted table");
        _puts = meter.CreateCounter<long>("engula.engine.puts", description: "Acknowledged puts");
        _deletes = meter.CreateCounter<long>("engula.engine.deletes", description: "Acknowledged deletes");
        _gets = meter.CreateCounter<long>("engula.engine.gets", description: "Gets served");
        _writeFailures = meter.CreateCounter<long>("engula.engine.write_failures", description: "Writes answered with a failure, by outcome (not_applied, outcome_unknown, overloaded)");
        _groupCommitSize = meter.CreateHistogram<long>("engula.engine.group_commit.size", unit: "{write}", description: "Writes per journal event");
        _commitDuration = meter.CreateHistogram<double>("engula.engine.group_commit.duration", unit: "s", description: "Journal append latency of one group commit");
        _flushes = meter.CreateCounter<long>("engula.engine.flushes", description: "Memtables flushed to tables");
        _flushDuration = meter.CreateHistogram<double>("engula.engine.flush.duration", unit: "s", description: "Time to upload a table and record it in the kernel");
    }

    public void Committed(int puts, int deletes, TimeSpan duration)
    {
        _puts.Add(puts);
        _deletes.Add(deletes);
        _groupCommitSize.Record(puts + deletes);
        _commitDuration.Record(duration.TotalSeconds);
    }

    /// <summary>Outcome tags of <c>engula.engine.write_failures</c>.</summary>
    public const string NotApplied = "not_applied";
    public const string OutcomeUnknown = "outcome_unknown";
    public const string Overloaded = "overloaded";

    public void WriteFailed(int count, string outcome) => _writeFailures.Add(count, new KeyValuePair<string, object?>("outcome", outcome));

    public void Get() => _gets.Add(1);

    /// <summary>Gauges of what the engine stores: table bytes, live bytes and their ratio (space amplification).</summary>
    public void ObserveStorage(Func<long> tableBytes, Func<long> liveBytes)
    {
        _meter.CreateObservableGauge("engula.engine.table_bytes", tableBytes, unit: "By", description: "Bytes of the tables the kernel lists");
        _meter.CreateObservableGauge("engula.engine.live_bytes", liveBytes, unit: "By", description: "Bytes one table of the live data takes");
        _meter.CreateObservableGauge("engula.engine.space_amplification", () =>
        {
            long live = liveBytes();
            return live > 0 ? (double)tableBytes() / live : 0;
        }, description: "Table bytes per live byte");
    }

    /// <summary>
    /// Gauges of the writes waiting for the journal (bounded by <c>--max-waiting-writes</c>) and of those sent to it and
    /// not yet answered: during a journal stall the second stays up while the first grows.
    /// </summary>
    public void ObserveWrites(Func<long> waiting, Func<long> inFlight)
    {
        _meter.CreateObservableGauge("engula.engine.writes.waiting", waiting, unit: "{write}", description: "Writes queued for the journal and not yet in a batch");
        _meter.CreateObservableGauge("engula.engine.writes.in_flight", inFlight, unit: "{write}", description: "Writes in the batch sent to the journal and not yet answered");
    }

    public void Compacted(int tablesIn, long bytesIn, long bytesOut, TimeSpan duration)
    {
        _compactions.Add(1);
        _compactionTablesIn.Add(tablesIn);
        _compactionBytesIn.Add(bytesIn);
        _compactionBytesOut.Add(bytesOut);
        _compactionDuration.Record(duration.TotalSeconds);
    }

    public void Flushed(TimeSpan duration)
    {
        _flushes.Add(1);
        _flushDuration.Record(duration.TotalSeconds);
    }
}
