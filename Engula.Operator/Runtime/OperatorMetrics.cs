using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Engula.Operator.Runtime;

/// <summary>
/// The operator's counters, rendered in the Prometheus text format on <c>/metrics</c>: reconciles, errors and their
/// durations per kind, queue depth, API writes per verb and informer lists.
/// </summary>
public sealed class OperatorMetrics
{
    private readonly ConcurrentDictionary<string, long> _reconciles = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, double> _durationSums = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _writes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _lists = new(StringComparer.Ordinal);
    private long _leader;

    /// <summary>Reads the queue depth when rendering.</summary>
    public Func<int>? QueueDepth { get; set; }

    public void Reconciled(string kind, TimeSpan duration, bool failed)
    {
        _reconciles.AddOrUpdate(kind, 1, (_, n) => n + 1);
        _durationSums.AddOrUpdate(kind, duration.TotalSeconds, (_, s) => s + duration.TotalSeconds);
        if (failed)
        {
            _errors.AddOrUpdate(kind, 1, (_, n) => n + 1);
        }
    }

    /// <summary>One API write (PATCH/POST/PUT/DELETE) by the operator.</summary>
    public void Wrote(string what) => _writes.AddOrUpdate(what, 1, (_, n) => n + 1);

    public void Relist(string informer) => _lists.AddOrUpdate(informer, 1, (_, n) => n + 1);

    public void SetLeader(bool leader) => Interlocked.Exchange(ref _leader, leader ? 1 : 0);

    public long Writes => _writes.Values.Sum();

    public long Reconciles => _reconciles.Values.Sum();

    public long Errors => _errors.Values.Sum();

    public string Render()
    {
        var text = new StringBuilder();
        Counter(text, "engula_operator_reconciles_total", "Reconciles per kind.", "kind", _reconciles);
        Counter(text, "engula_operator_reconcile_errors_total", "Failed reconciles per kind.", "kind", _errors);
        text.Append("# HELP engula_operator_reconcile_duration_seconds Time spent reconciling, per kind.\n");
        text.Append("# TYPE engula_operator_reconcile_duration_seconds summary\n");
        foreach (var (kind, sum) in _durationSums.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"engula_operator_reconcile_duration_seconds_sum{{kind=\"{kind}\"}} {sum:R}\n");
            text.Append(CultureInfo.InvariantCulture, $"engula_operator_reconcile_duration_seconds_count{{kind=\"{kind}\"}} {_reconciles.GetValueOrDefault(kind)}\n");
        }

        Counter(text, "engula_operator_api_writes_total", "API writes (create, patch, update, delete) by the operator.", "object", _writes);
        Counter(text, "engula_operator_informer_lists_total", "Full lists per informer (start and after 410 Gone).", "informer", _lists);
        text.Append("# HELP engula_operator_workqueue_depth Keys waiting in the work queue.\n# TYPE engula_operator_workqueue_depth gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"engula_operator_workqueue_depth {QueueDepth?.Invoke() ?? 0}\n");
        text.Append("# HELP engula_operator_leader 1 while this instance holds the leader Lease.\n# TYPE engula_operator_leader gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"engula_operator_leader {Interlocked.Read(ref _leader)}\n");
        return text.ToString();
    }

    private static void Counter(StringBuilder text, string name, string help, string label, ConcurrentDictionary<string, long> values)
    {
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} counter\n");
        foreach (var (key, value) in values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}{{{label}=\"{key}\"}} {value}\n");
        }
    }
}
