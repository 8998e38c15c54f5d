using Engula.Operator.Runtime;
using k8s;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engula.Operator.Tests;

/// <summary>
/// The operator's controllers, in this process, watching one test namespace (so tests running side by side do not
/// see each other's resources), with its own client whose writes are counted.
/// </summary>
internal sealed class RunningOperator : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly k8s.Kubernetes _client;
    private readonly Task _run;

    private RunningOperator(KubeTestCluster cluster, string ns, TimeSpan? resync, Func<OperatorOptions, OperatorOptions>? configure)
    {
        Writes = new WriteCounter();
        _client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.KubeconfigPath), Writes);
        Options = new OperatorOptions
        {
            Namespace = ns,
            Identity = "test-" + ns,
            ResyncPeriod = resync ?? TimeSpan.FromMinutes(30),
            BaseBackoff = TimeSpan.FromMilliseconds(100),
            MaxBackoff = TimeSpan.FromSeconds(5),
        };
        Options = configure?.Invoke(Options) ?? Options;
        Controller = new EngulaController(_client, Options, Metrics, NullLoggerFactory.Instance);
        _run = Controller.RunAsync(_stop.Token);
    }

    public WriteCounter Writes { get; }

    public OperatorMetrics Metrics { get; } = new();

    public OperatorOptions Options { get; }

    public EngulaController Controller { get; }

    public static async Task<RunningOperator> StartAsync(KubeTestCluster cluster, string ns, CancellationToken ct, TimeSpan? resync = null, Func<OperatorOptions, OperatorOptions>? configure = null)
    {
        var op = new RunningOperator(cluster, ns, resync, configure);
        await op.Controller.Started.WaitAsync(TimeSpan.FromSeconds(30), ct);
        return op;
    }

    /// <summary>
    /// Makes every resource be reconciled once more (as a resync does) and waits until those reconciles are done and
    /// the queue is empty: afterwards the write count says what a steady reconcile pass writes.
    /// </summary>
    public async Task ReconcileEverythingAsync(CancellationToken ct)
    {
        int expected = Controller.Caches.Clusters.Items.Count + Controller.Caches.Components.Values.Sum(i => i.Items.Count);
        long before = Metrics.Reconciles;
        Controller.EnqueueAll();
        await Wait.ForAsync(
            "a full reconcile pass",
            _ => Task.FromResult((Metrics.Reconciles >= before + expected && Controller.Queue.Depth == 0, $"{Metrics.Reconciles - before}/{expected} reconciles, depth {Controller.Queue.Depth}")),
            Wait.Default,
            ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _run.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
        }

        _client.Dispose();
        Metrics.Dispose();
        _stop.Dispose();
    }
}
