using System.Net;
using Engula.Operator.Api;
using Engula.Tests.Shared.Ports;
using k8s;
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
        var a = new OperatorHost(clientA, Options("op-a"), NullLoggerFactory.Instance);
        var b = new OperatorHost(clientB, Options("op-b"), NullLoggerFactory.Instance);
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
        var standby = new OperatorHost(client, new OperatorOptions
        {
            Namespace = ns.Name,
            LeaseNamespace = ns.Name,
            Identity = "op-b",
            LeaseDuration = TimeSpan.FromSeconds(4),
            RenewDeadline = TimeSpan.FromSeconds(3),
            RetryPeriod = TimeSpan.FromSeconds(1),
        }, NullLoggerFactory.Instance);
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
        var host = new OperatorHost(client, new OperatorOptions { Namespace = ns.Name, LeaseNamespace = ns.Name, Identity = "op-http" }, NullLoggerFactory.Instance);
        int port = FreePort.Next();
        await using var web = HealthEndpoints.Build(host, $"127.0.0.1:{port}");
        await web.StartAsync(ct);
        using var stop = new CancellationTokenSource();
        var run = host.RunAsync(stop.Token);
        await host.Leading.WaitAsync(TimeSpan.FromSeconds(30), ct);
        await host.Controller!.Started.WaitAsync(TimeSpan.FromSeconds(30), ct);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        Assert.Equal("ok", await http.GetStringAsync("/healthz", ct));
        Assert.Equal("ok", await http.GetStringAsync("/readyz", ct));
        string metrics = await http.GetStringAsync("/metrics", ct);
        Assert.Contains("engula_operator_leader 1", metrics);
        Assert.Contains("engula_operator_workqueue_depth", metrics);
        Assert.Contains("engula_operator_informer_lists_total{informer=\"clusters\"} 1", metrics);
        await stop.CancelAsync();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(30), ct));
        await web.StopAsync(ct);
    }

}
