using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Engula.Operator.Runtime;

/// <summary>
/// The operator's instruments under the meter <c>Engula.Operator</c> (exported on <c>/metrics</c> by the service
/// defaults' <c>Engula.*</c> filter): reconciles, failed reconciles and reconcile durations per kind, API writes per
/// object, full lists per informer, the work-queue depth and whether this instance leads. The totals the tests and
/// the bench read in process are kept beside the instruments: a meter can only be read through a listener.
/// </summary>
internal sealed class OperatorMetrics : IDisposable
{
    public const string MeterName = "Engula.Operator";

    // Seconds, from a pass that only reads the caches (milliseconds) to passes that wait on a slow API server (tens of
    // seconds). The exporter's default boundaries are meant for milliseconds and would put every reconcile in the
    // lowest buckets.
    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _reconciles;
    private readonly Counter<long> _errors;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _writes;
    private readonly Counter<long> _lists;
    private readonly ConcurrentDictionary<string, long> _writesByObject = new(StringComparer.Ordinal);
    private long _reconcileTotal;
    private long _errorTotal;
    private int _leader;

    /// <summary>
    /// The instruments on a meter from <paramref name="meterFactory"/> (the host's, which disposes it), or on a meter
    /// of their own when there is none (in-process use by the tests and the bench; <see cref="Dispose"/> ends it).
    /// </summary>
    public OperatorMetrics(IMeterFactory? meterFactory = null)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _reconciles = _meter.CreateCounter<long>("engula.operator.reconciles", "{reconcile}", "Reconciles per kind.");
        _errors = _meter.CreateCounter<long>("engula.operator.reconcile.errors", "{reconcile}", "Failed reconciles per kind.");
        _duration = _meter.CreateHistogram("engula.operator.reconcile.duration", "s", "Time spent reconciling, per kind.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _writes = _meter.CreateCounter<long>("engula.operator.api.writes", "{write}", "API writes (create, patch, update, delete) by the operator, per object.");
        _lists = _meter.CreateCounter<long>("engula.operator.informer.lists", "{list}", "Full lists per informer (start and after 410 Gone).");
        _meter.CreateObservableGauge("engula.operator.workqueue.depth", () => QueueDepth?.Invoke() ?? 0, "{key}", "Keys waiting in the work queue.");
        _meter.CreateObservableGauge("engula.operator.leader", () => Volatile.Read(ref _leader), unit: null, "1 while this instance holds the leader Lease.");
    }

    /// <summary>Reads the queue depth when the gauge is collected.</summary>
    public Func<int>? QueueDepth { get; set; }

    public void Reconciled(string kind, TimeSpan duration, bool failed)
    {
        var tag = new KeyValuePair<string, object?>("kind", kind);
        Interlocked.Increment(ref _reconcileTotal);
        _reconciles.Add(1, tag);
        _duration.Record(duration.TotalSeconds, tag);
        if (failed)
        {
            Interlocked.Increment(ref _errorTotal);
            _errors.Add(1, tag);
        }
    }

    /// <summary>One API write (PATCH/POST/PUT/DELETE) by the operator.</summary>
    public void Wrote(string what)
    {
        _writesByObject.AddOrUpdate(what, 1, (_, n) => n + 1);
        _writes.Add(1, new KeyValuePair<string, object?>("object", what));
    }

    public void Relist(string informer) => _lists.Add(1, new KeyValuePair<string, object?>("informer", informer));

    public void SetLeader(bool leader) => Volatile.Write(ref _leader, leader ? 1 : 0);

    public long Writes => _writesByObject.Values.Sum();

    /// <summary>API writes so far per object (what <c>engula.operator.api.writes</c> counts), ordered by object.</summary>
    public SortedDictionary<string, long> WritesByObject => new(_writesByObject, StringComparer.Ordinal);

    public long Reconciles => Interlocked.Read(ref _reconcileTotal);

    public long Errors => Interlocked.Read(ref _errorTotal);

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
