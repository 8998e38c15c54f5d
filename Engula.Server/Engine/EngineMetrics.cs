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

    public EngineMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        _puts = meter.CreateCounter<long>("engula.engine.puts", description: "Acknowledged puts");
        _deletes = meter.CreateCounter<long>("engula.engine.deletes", description: "Acknowledged deletes");
        _gets = meter.CreateCounter<long>("engula.engine.gets", description: "Gets served");
        _writeFailures = meter.CreateCounter<long>("engula.engine.write_failures", description: "Writes that failed (journal unavailable)");
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

    public void WriteFailed(int count) => _writeFailures.Add(count);

    public void Get() => _gets.Add(1);

    public void Flushed(TimeSpan duration)
    {
        _flushes.Add(1);
        _flushDuration.Record(duration.TotalSeconds);
    }
}
