using System.Net;
using Engula.Operator.Api;
using Engula.Operator.Hosting;
using Engula.Operator.Runtime;
using Engula.Tests.Shared.Ports;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engula.Operator.Tests;

/// <summary>Informer relist on 410, restart convergence, leader election and the health/metrics endpoints, on the API server.</summary>
[Collection(KubeCollection.Name)]
public sealed class RuntimeTests(KubeTestCluster cluster)
{
    [Fact]
    public async Task A_watch_from_an_expired_resourceVersion_gets_410_and_the_informer_lists_again_and_keeps_working()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        await using var op = await RunningOperator.StartAsync(cluster, ns.Name, ct);
        var informer = op.Controller.Caches.Clusters;
        int lists = informer.Lists;

        // resourceVersion 1 is far older than the API server's watch window: the next watch is answered with 410 Gone.
        informer.ExpireResourceVersion("1");
        await Wait.ForAsync("a relist after 410", _ => Task.FromResult((informer.Lists > lists, $"{informer.Lists} lists")), Wait.Default, ct);

        // The new watch delivers: a Cluster created now is reconciled.
        await Samples.ApplyAsync(cluster, ns.Name, ct);
        await Wait.ForAsync("journal resource", async t => await Kube.ComponentAsync(cluster.Client, ResourceKind.Journal, ns.Name, "cluster-sample-journal", t) is not null, Wait.Default, ct);
    }

    [Fact]
    public async Task An_operator_stopped_mid_bootstrap_and_restarted_converges()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        var first = await RunningOperator.StartAsync(cluster, ns.Name, ct);
        await Samples.ApplyAsync(cluster, ns.Name, ct);
        // Stop it as soon as it has started writing (mid-reconcile of the sample).
        await Wait.ForAsync("first writes", _ => Task.FromResult(first.Writes.Count > 0), Wait.Default, ct);
        await first.DisposeAsync();

        await using var second = await RunningOperator.StartAsync(cluster, ns.Name, ct);
        await Samples.ReadySampleAsync(cluster, ns.Name, ct, apply: false);
        int before = second.Writes.Count;
        await second.ReconcileEverythingAsync(ct);
        Assert.Equal(before, second.Writes.Count);
    }

    [Fact]
    public async Task Two_instances_elect_one_leader_and_the_other_takes_over_when_it_stops()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        using var clientA = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.KubeconfigPath));
        using var clientB = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.KubeconfigPath));
        OperatorOptions Options(string id) => new() { Namespace = ns.Name, LeaseNamespace = ns.Name, Identity = id };
        using var metricsA = new OperatorMetrics();
        using var metricsB = new OperatorMetrics();
        var a = new OperatorHost(clientA, Options("op-a"), metricsA, NullLoggerFactory.Instance);
        var b = new OperatorHost(clientB, Options("op-b"), metricsB, NullLoggerFactory.Instance);
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var runA = a.RunAsync(stopA.Token);
        await a.Leading.WaitAsync(TimeSpan.FromSeconds(30), ct);
        var runB = b.RunAsync(stopB.Token);

        // B stays a standby while A renews (several retry periods), and reports ready as a standby.
        var lease = await cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync("engula-operator", ns.Name, cancellationToken: ct);
        Assert.Equal("op-a", lease.Spec.HolderIdentity);
        await Assert.ThrowsAsync<TimeoutException>(() => b.Leading.WaitAsync(TimeSpan.FromSeconds(5), ct));
        Assert.Null(b.Controller);
        Assert.True(b.IsReady);

        // A stops cleanly (releases the Lease): B leads and its controllers run.
        await stopA.CancelAsync();
        Assert.Equal(0, await runA.WaitAsync(TimeSpan.FromSeconds(30), ct));
        await b.Leading.WaitAsync(TimeSpan.FromSeconds(30), ct);
        await b.Controller!.Started.WaitAsync(TimeSpan.FromSeconds(30), ct);
        lease = await cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync("engula-operator", ns.Name, cancellationToken: ct);
        Assert.Equal("op-b", lease.Spec.HolderIdentity);
        await stopB.CancelAsync();
        Assert.Equal(0, await runB.WaitAsync(TimeSpan.FromSeconds(30), ct));
    }

    [Fact]
    public async Task A_SIGKILLed_leader_process_is_replaced_once_its_Lease_expires()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ns = await cluster.CreateNamespaceAsync(ct);

        // The leader is the real engula-operator process; a SIGKILL gives it no chance to release the Lease.
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "engula-operator.dll"), "--kubeconfig", cluster.KubeconfigPath,
            "--namespace", ns.Name, "--lease-namespace", ns.Name, "--identity", "op-killed", "--http", "none" })
        {
            start.ArgumentList.Add(arg);
        }

        using var killed = System.Diagnostics.Process.Start(start)!;
        killed.OutputDataReceived += (_, _) => { };
        killed.ErrorDataReceived += (_, _) => { };
        killed.BeginOutputReadLine();
        killed.BeginErrorReadLine();
        try
        {
            await Wait.ForAsync("op-killed to hold the Lease", async t => (await LeaseHolderAsync(ns.Name, t)) == "op-killed", Wait.Default, ct);
        }
        finally
        {
            killed.Kill(); // SIGKILL
            await killed.WaitForExitAsync(ct);
        }

        using var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.KubeconfigPath));
        using var metrics = new OperatorMetrics();
        var standby = new OperatorHost(client, new OperatorOptions
        {
            Namespace = ns.Name,
            LeaseNamespace = ns.Name,
            Identity = "op-b",
            LeaseDuration = TimeSpan.FromSeconds(4),
            RenewDeadline = TimeSpan.FromSeconds(3),
            RetryPeriod = TimeSpan.FromSeconds(1),
        }, metrics, NullLoggerFactory.Instance);
        using var stop = new CancellationTokenSource();
        var run = standby.RunAsync(stop.Token);

        // The killed holder's record stays until it is older than a lease duration; then the standby takes over.
        await standby.Leading.WaitAsync(TimeSpan.FromSeconds(60), ct);
        await standby.Controller!.Started.WaitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.Equal("op-b", await LeaseHolderAsync(ns.Name, ct));
        await stop.CancelAsync();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(30), ct));
    }

    private async Task<string?> LeaseHolderAsync(string ns, CancellationToken ct)
    {
        try
        {
            return (await cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync("engula-operator", ns, cancellationToken: ct)).Spec.HolderIdentity;
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    [Fact]
    public async Task Health_readiness_and_metrics_endpoints_answer()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        using var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.KubeconfigPath));
        int port = FreePort.Next();
        // The process as the command line composes it: the host with the service defaults, the operator as a hosted service.
        await using var app = OperatorApp.Build(client, new OperatorOptions { Namespace = ns.Name, LeaseNamespace = ns.Name, Identity = "op-http" }, $"127.0.0.1:{port}");
        var host = app.Services.GetRequiredService<OperatorHost>();
        await app.StartAsync(ct);
        await host.Leading.WaitAsync(TimeSpan.FromSeconds(30), ct);
        await host.Controller!.Started.WaitAsync(TimeSpan.FromSeconds(30), ct);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        Assert.Equal("ok", await http.GetStringAsync("/healthz", ct));
        Assert.Equal("ok", await http.GetStringAsync("/readyz", ct));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/alive", ct)).StatusCode);
        string metrics = await http.GetStringAsync("/metrics", ct);
        Assert.Equal(1, Sample(metrics, "engula_operator_leader"));
        Assert.NotNull(Sample(metrics, "engula_operator_workqueue_depth"));
        Assert.Equal(1, Sample(metrics, "engula_operator_informer_lists_total", ("informer", "clusters")));

        // A Cluster: its reconciles, their durations and the operator's writes are exported per kind and object.
        await Samples.ApplyAsync(cluster, ns.Name, ct);
        // The components' own reconciles may finish before the Cluster's (it writes them first, its status last), so
        // the signal is the Cluster's count in the exported text itself.
        await Wait.ForAsync("the Cluster's reconcile exported", async t =>
        {
            metrics = await http.GetStringAsync("/metrics", t);
            return (Sample(metrics, "engula_operator_reconciles_total", ("kind", "Cluster")) >= 1, "not yet");
        }, Wait.Default, ct);
        Assert.True(Sample(metrics, "engula_operator_reconcile_duration_seconds_count", ("kind", "Cluster")) >= 1, metrics);
        Assert.NotNull(Sample(metrics, "engula_operator_reconcile_duration_seconds_bucket", ("kind", "Cluster"), ("le", "+Inf")));
        Assert.True(Sample(metrics, "engula_operator_api_writes_total", ("object", "journals")) >= 1, metrics);

        await app.StopAsync(ct);
        Assert.Equal(0, await app.Services.GetRequiredService<OperatorService>().Exit.WaitAsync(TimeSpan.FromSeconds(30), ct));
    }

    [Fact]
    public async Task Readiness_answers_503_with_the_reason_while_the_API_server_cannot_be_reached_and_liveness_stays_ok()
    {
        var ct = TestContext.Current.CancellationToken;
        // Nothing listens on this port: every election round fails to connect.
        using var client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = $"https://127.0.0.1:{FreePort.Next()}" });
        int port = FreePort.Next();
        await using var app = OperatorApp.Build(client, new OperatorOptions
        {
            LeaseNamespace = "default",
            Identity = "op-away",
            ApiRetryBaseDelay = TimeSpan.FromMilliseconds(100),
            ApiRetryMaxDelay = TimeSpan.FromMilliseconds(500),
        }, $"127.0.0.1:{port}");
        await app.StartAsync(ct);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await Wait.ForAsync("/readyz to name the unreachable API server", async t =>
        {
            using var response = await http.GetAsync("/readyz", t);
            string body = await response.Content.ReadAsStringAsync(t);
            return (response.StatusCode == HttpStatusCode.ServiceUnavailable && body == "the API server cannot be reached; retrying", $"{(int)response.StatusCode} {body}");
        }, Wait.Default, ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/health", ct)).StatusCode);
        Assert.Equal("ok", await http.GetStringAsync("/healthz", ct));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/alive", ct)).StatusCode);

        await app.StopAsync(ct);
        Assert.Equal(0, await app.Services.GetRequiredService<OperatorService>().Exit.WaitAsync(TimeSpan.FromSeconds(30), ct));
    }

    /// <summary>
    /// The value of the one sample of <paramref name="name"/> whose labels include <paramref name="labels"/> (others,
    /// such as the exporter's <c>otel_scope_name</c>, are ignored); null when there is none.
    /// </summary>
    private static double? Sample(string exposition, string name, params (string Key, string Value)[] labels)
    {
        var matches = exposition.Split('\n')
            .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
            .Where(line => labels.All(l => line.Contains($"{l.Key}=\"{l.Value}\"", StringComparison.Ordinal)))
            .ToList();
        Assert.True(matches.Count <= 1, $"{matches.Count} samples of {name}: {string.Join(" | ", matches)}");
        return matches.Count == 0 ? null : double.Parse(matches[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
