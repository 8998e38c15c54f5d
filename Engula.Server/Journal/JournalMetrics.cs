using System.Diagnostics.Metrics;

namespace Engula.Server.Journal;

/// <summary>
/// Journal instruments under the meter <c>Engula.Journal</c> (exported by the service defaults' <c>Engula.*</c> filter).
/// The fsync histograms show whether group commit works: batch size well above 1 under concurrent appends, and one
/// fsync duration per batch rather than per event.
/// </summary>
internal sealed class JournalMetrics
{
    public const string MeterName = "Engula.Journal";

    private readonly TransferCounters _appends;
    private readonly Histogram<double> _fsyncDuration;
    private readonly Histogram<long> _fsyncBatchSize;
    private readonly Counter<long> _readEvents;

    public JournalMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _appends = new(meter,
            "engula.journal.appends", "{event}", "Events appended (acknowledged).",
            "engula.journal.appended_bytes", "Event payload bytes appended (acknowledged).");
        _fsyncDuration = meter.CreateHistogram<double>("engula.journal.fsync.duration", "s", "Duration of one write+fsync of an append batch (file mode).");
        _fsyncBatchSize = meter.CreateHistogram<long>("engula.journal.fsync.batch_size", "{event}", "Events made durable by one fsync (file mode group commit).");
        _readEvents = meter.CreateCounter<long>("engula.journal.read_events", "{event}", "Events returned by ReadEvents.");
    }

    public void Appended(int events, long bytes) => _appends.Add(events, bytes);

    public void Fsynced(TimeSpan duration, int batchSize)
    {
        _fsyncDuration.Record(duration.TotalSeconds);
        _fsyncBatchSize.Record(batchSize);
    }

    public void Read(int events) => _readEvents.Add(events);
}
