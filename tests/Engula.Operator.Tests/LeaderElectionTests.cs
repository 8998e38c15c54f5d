using System.Net;
using Engula.Operator.Manifests;
using Engula.Operator.Runtime;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engula.Operator.Tests;

/// <summary>
/// Leader election against the real API server when that server is away, and with the operator's own RBAC (the
/// committed rbac.yaml, the client impersonating the operator's ServiceAccount) rather than an admin's rights.
/// </summary>
[Collection(KubeCollection.Name)]
public sealed class LeaderElectionTests(KubeTestCluster cluster)
{
    [Fact]
    public async Task An_operator_whose_API_server_is_away_retries_stays_unready_and_leads_once_it_answers_also_after_losing_the_Lease()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.KubeconfigPath);
        var api = new Uri(config.Host);
        await using var forwarder = new LoopbackForwarder(new IPEndPoint(IPAddress.Parse(api.Host), api.Port));
        // The serving certificate names 127.0.0.1, so TLS verification stays on through the forwarder.
        config.Host = $"https://127.0.0.1:{forwarder.Port}";
        using var client = new k8s.Kubernetes(config);
        using var metrics = new OperatorMetrics();
        var host = new OperatorHost(client, new OperatorOptions
        {
            Namespace = ns.Name,
            LeaseNamespace = ns.Name,
            Identity = "op-away",
            LeaseDuration = TimeSpan.FromSeconds(4),
            RenewDeadline = TimeSpan.FromSeconds(3),
            RetryPeriod = TimeSpan.FromSeconds(1),
            ApiRetryBaseDelay = TimeSpan.FromMilliseconds(100),
            ApiRetryMaxDelay = TimeSpan.FromMilliseconds(500),
        }, metrics, NullLoggerFactory.Instance);
        using var stop = new CancellationTokenSource();
        var run = host.RunAsync(stop.Token);

        // Nothing listens: the election keeps failing with connection refused, and is retried, not fatal.
        await Wait.ForAsync("three retries while the API server is away", _ => Task.FromResult((host.ApiRetries >= 3, $"{host.ApiRetries} retries, contact {host.ApiContact}")), Wait.Default, ct);
        Assert.False(run.IsCompleted, run.Exception?.ToString());
        Assert.Equal(ApiContact.Unreachable, host.ApiContact);
        Assert.False(host.IsReady);
        Assert.Null(host.Controller);

        // The API server comes back: the instance leads and its controllers run.
        forwarder.Start();
        await host.Leading.WaitAsync(Wait.Default, ct);
        await Wait.ForAsync("the leader's controllers to start", _ => Task.FromResult(host.Controller?.Started.IsCompletedSuccessfully == true), Wait.Default, ct);
        Assert.True(host.IsReady);
        var firstTerm = host.Controller;

        // Away again while leading: renewals fail for the renew deadline, the controllers stop, readiness goes
        // false, and the process keeps running.
        await forwarder.StopAsync();
        await Wait.ForAsync("the controllers to stop after the Lease is lost", _ => Task.FromResult((host.Controller is null && !host.IsReady, $"controller {(host.Controller is null ? "stopped" : "running")}, contact {host.ApiContact}")), Wait.Default, ct);
        Assert.False(run.IsCompleted, run.Exception?.ToString());

        // Back: it campaigns again and leads with new controllers.
        forwarder.Start();
        await Wait.ForAsync("a second term", _ => Task.FromResult(host.Controller is { } c && c != firstTerm && c.Started.IsCompletedSuccessfully && host.IsReady), Wait.Default, ct);
        await stop.CancelAsync();
        Assert.Equal(0, await run.WaitAsync(Wait.Default, ct));
    }

    [Fact]
    public async Task With_the_installed_RBAC_a_stopping_leader_deletes_its_Lease_and_the_standby_leads_long_before_it_would_expire()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        await ApplyOperatorRbacAsync(ct);
        const string lease = InstallManifests.LeaseName;
        const string leaseNs = InstallManifests.Namespace;
        await DeleteLeaseAsync(ct);

        // A Lease that would take a minute to expire: the standby can only lead within the wait below if the
        // leader really deleted it, which its Role must allow.
        OperatorOptions Options(string id) => new()
        {
            Namespace = ns.Name,
            LeaseNamespace = leaseNs,
            Identity = id,
            LeaseDuration = TimeSpan.FromSeconds(60),
            RenewDeadline = TimeSpan.FromSeconds(40),
            RetryPeriod = TimeSpan.FromSeconds(1),
        };
        using var clientA = OperatorServiceAccountClient();
        using var clientB = OperatorServiceAccountClient();
        using var metricsA = new OperatorMetrics();
        using var metricsB = new OperatorMetrics();
        var a = new OperatorHost(clientA, Options("op-rbac-a"), metricsA, NullLoggerFactory.Instance);
        var b = new OperatorHost(clientB, Options("op-rbac-b"), metricsB, NullLoggerFactory.Instance);
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var runA = a.RunAsync(stopA.Token);
        await a.Leading.WaitAsync(Wait.Default, ct);
        var runB = b.RunAsync(stopB.Token);
        await Wait.ForAsync("the standby to see the leader", _ => Task.FromResult((b.IsReady, $"contact {b.ApiContact}")), Wait.Default, ct);
        Assert.Null(b.Controller);

        await stopA.CancelAsync();
        Assert.Equal(0, await runA.WaitAsync(Wait.Default, ct));
        await b.Leading.WaitAsync(TimeSpan.FromSeconds(20), ct);
        var record = await cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync(lease, leaseNs, cancellationToken: ct);
        Assert.Equal("op-rbac-b", record.Spec.HolderIdentity);

        await stopB.CancelAsync();
        Assert.Equal(0, await runB.WaitAsync(Wait.Default, ct));
        await DeleteLeaseAsync(ct);
    }

    /// <summary>A client that acts as the operator's ServiceAccount (the admin may impersonate).</summary>
    private k8s.Kubernetes OperatorServiceAccountClient() =>
        new(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.KubeconfigPath),
            new ImpersonatingHandler($"system:serviceaccount:{InstallManifests.Namespace}:{InstallManifests.Name}"));

    /// <summary>The committed namespace, ServiceAccount and RBAC of deploy/operator, created as they are.</summary>
    private async Task ApplyOperatorRbacAsync(CancellationToken ct)
    {
        var objects = KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "operator", "rbac.yaml")));
        await IgnoreConflictAsync(() => cluster.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = InstallManifests.Namespace } }, cancellationToken: ct));
        foreach (var o in objects)
        {
            switch (o)
            {
                case V1ClusterRole r:
                    await IgnoreConflictAsync(() => cluster.Client.RbacAuthorizationV1.CreateClusterRoleAsync(r, cancellationToken: ct));
                    break;
                case V1ClusterRoleBinding r:
                    await IgnoreConflictAsync(() => cluster.Client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(r, cancellationToken: ct));
                    break;
                case V1Role r:
                    await IgnoreConflictAsync(() => cluster.Client.RbacAuthorizationV1.CreateNamespacedRoleAsync(r, r.Metadata.NamespaceProperty, cancellationToken: ct));
                    break;
                case V1RoleBinding r:
                    await IgnoreConflictAsync(() => cluster.Client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(r, r.Metadata.NamespaceProperty, cancellationToken: ct));
                    break;
                default:
                    throw new InvalidOperationException($"unexpected object in rbac.yaml: {o.GetType().Name}");
            }
        }
    }

    private async Task DeleteLeaseAsync(CancellationToken ct)
    {
        try
        {
            await cluster.Client.CoordinationV1.DeleteNamespacedLeaseAsync(InstallManifests.LeaseName, InstallManifests.Namespace, cancellationToken: ct);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    private static async Task IgnoreConflictAsync<T>(Func<Task<T>> create)
    {
        try
        {
            await create();
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
        }
    }

    private sealed class ImpersonatingHandler(string user) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Add("Impersonate-User", user);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
