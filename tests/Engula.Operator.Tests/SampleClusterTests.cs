using Engula.Operator.Api;
using k8s;
using k8s.Models;

namespace Engula.Operator.Tests;

/// <summary>
/// The original operator's sample Cluster (deploy/operator/samples, unchanged) on the real API server with the
/// controller-manager: component resources, workload objects with the original names and ports, bootstrap order,
/// status, Events, zero writes in steady state, and garbage collection on deletion.
/// </summary>
[Collection(KubeCollection.Name)]
public sealed class SampleClusterTests(KubeTestCluster cluster)
{
    [Fact]
    public async Task Original_sample_bootstraps_in_order_reaches_Ready_writes_nothing_when_steady_and_is_collected_on_delete()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = cluster.Client;
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        await using var op = await RunningOperator.StartAsync(cluster, ns.Name, ct);

        await Samples.ApplyAsync(cluster, ns.Name, ct);

        // 1. A component resource per section, owned by the Cluster, with the Cluster's image and the default ports.
        var owner = (await Kube.ClusterAsync(client, ns.Name, "cluster-sample", ct))!;
        var ports = new Dictionary<ResourceKind, int> { [ResourceKind.Journal] = 24570, [ResourceKind.Storage] = 24569, [ResourceKind.Kernel] = 24567, [ResourceKind.Engine] = 24568 };
        foreach (var (kind, port) in ports)
        {
            string name = "cluster-sample-" + kind.Singular();
            ComponentResource? component = null;
            await Wait.ForAsync($"{kind} {name}", async t => (component = await Kube.ComponentAsync(client, kind, ns.Name, name, t)) is not null, Wait.Default, ct);
            Assert.Equal(port, component!.Spec.Port);
            Assert.Equal("uhub.service.ucloud.cn/zojw/engula:0.9", component.Spec.Image?.Name);
            Assert.Equal("Always", component.Spec.Image?.PullPolicy);
            var reference = Assert.Single(component.Metadata.OwnerReferences);
            Assert.Equal(("Cluster", owner.Metadata.Uid, true), (reference.Kind, reference.Uid, reference.Controller == true));
        }

        // 2. Journal and storage start first; the kernel waits for both, and says so.
        foreach (var kind in new[] { ResourceKind.Journal, ResourceKind.Storage })
        {
            await Wait.ForAsync($"StatefulSet of {kind}", async t => await Kube.StatefulSetAsync(client, ns.Name, "cluster-sample-" + kind.Singular(), t) is not null, Wait.Default, ct);
        }

        // WaitingForDependencies first names the Cluster's sibling resources while they are created, then the
        // journal and storage it waits for: wait for the latter.
        var kernel = await Kube.WaitForConditionAsync(client, ResourceKind.Kernel, ns.Name, "cluster-sample-kernel", "Progressing", "True", "WaitingForDependencies", ct,
            messageContains: "journal cluster-sample-journal");
        Assert.Contains("journal cluster-sample-journal", Kube.Condition(kernel.Status!.Conditions, "Progressing")!.Message);
        Assert.Contains("storage cluster-sample-storage", Kube.Condition(kernel.Status!.Conditions, "Progressing")!.Message);
        Assert.Null(await Kube.StatefulSetAsync(client, ns.Name, "cluster-sample-kernel", ct));
        Assert.Null(await Kube.StatefulSetAsync(client, ns.Name, "cluster-sample-engine", ct));

        // The objects are the builders': names, ports, env, claim template, ServiceAccount.
        foreach (var kind in new[] { ResourceKind.Journal, ResourceKind.Storage })
        {
            string name = "cluster-sample-" + kind.Singular();
            var service = await client.CoreV1.ReadNamespacedServiceAsync(name, ns.Name, cancellationToken: ct);
            Assert.Equal("None", service.Spec.ClusterIP);
            Assert.Contains(service.Spec.Ports, p => p.Name == "grpc" && p.Port == ports[kind]);
            var sts = (await Kube.StatefulSetAsync(client, ns.Name, name, ct))!;
            Assert.Equal(name, sts.Spec.ServiceName);
            Assert.Equal("cluster-sample-sa", sts.Spec.Template.Spec.ServiceAccountName);
            var container = Assert.Single(sts.Spec.Template.Spec.Containers);
            Assert.Equal($"0.0.0.0:{ports[kind]}", container.Command[3]);
            Assert.Equal("cluster-sample", container.Env.Single(e => e.Name == "kubecluster").Value);
            Assert.Equal("1Gi", Assert.Single(sts.Spec.VolumeClaimTemplates).Spec.Resources.Requests["storage"].ToString());
            Assert.Equal(kind.KindName(), Assert.Single(sts.Metadata.OwnerReferences).Kind);
        }

        var serviceAccount = await client.CoreV1.ReadNamespacedServiceAccountAsync("cluster-sample-sa", ns.Name, cancellationToken: ct);
        Assert.Equal("Cluster", Assert.Single(serviceAccount.Metadata.OwnerReferences).Kind);

        // 3. Journal Ready alone is not enough for the kernel.
        await Kube.MarkPodsReadyAsync(client, ns.Name, "cluster-sample-journal", 1, ct);
        await Kube.WaitForConditionAsync(client, ResourceKind.Journal, ns.Name, "cluster-sample-journal", "Ready", "True", "Ready", ct);
        // The kernel's condition still names the journal until its next reconcile: wait for the one that does not.
        kernel = await Kube.WaitForConditionAsync(client, ResourceKind.Kernel, ns.Name, "cluster-sample-kernel", "Progressing", "True", "WaitingForDependencies", ct,
            messageContains: "storage cluster-sample-storage", messageLacks: "journal");
        Assert.DoesNotContain("journal", Kube.Condition(kernel.Status!.Conditions, "Progressing")!.Message);
        Assert.Null(await Kube.StatefulSetAsync(client, ns.Name, "cluster-sample-kernel", ct));

        // 4. Storage Ready too → the kernel starts, with its peers in its env; the engine waits for the kernel.
        await Kube.MarkPodsReadyAsync(client, ns.Name, "cluster-sample-storage", 1, ct);
        V1StatefulSet? kernelSts = null;
        await Wait.ForAsync("kernel StatefulSet", async t => (kernelSts = await Kube.StatefulSetAsync(client, ns.Name, "cluster-sample-kernel", t)) is not null, Wait.Default, ct);
        var kernelEnv = kernelSts!.Spec.Template.Spec.Containers[0].Env.ToDictionary(e => e.Name, e => e.Value);
        Assert.Equal("dns:///cluster-sample-journal:24570", kernelEnv["ENGULA_JOURNAL"]);
        Assert.Equal("dns:///cluster-sample-storage:24569", kernelEnv["ENGULA_STORAGE"]);
        Assert.Equal("24567", kernelEnv["kernelport"]);
        var engine = await Kube.WaitForConditionAsync(client, ResourceKind.Engine, ns.Name, "cluster-sample-engine", "Progressing", "True", "WaitingForDependencies", ct,
            messageContains: "kernel cluster-sample-kernel");
        Assert.Contains("kernel cluster-sample-kernel", Kube.Condition(engine.Status!.Conditions, "Progressing")!.Message);
        Assert.Null(await Kube.StatefulSetAsync(client, ns.Name, "cluster-sample-engine", ct));

        // 5. Kernel Ready → engine; engine Ready → the Cluster is Ready and shows every component.
        await Kube.MarkPodsReadyAsync(client, ns.Name, "cluster-sample-kernel", 1, ct);
        await Wait.ForAsync("engine StatefulSet", async t => await Kube.StatefulSetAsync(client, ns.Name, "cluster-sample-engine", t) is not null, Wait.Default, ct);
        var engineService = await client.CoreV1.ReadNamespacedServiceAsync("cluster-sample-engine", ns.Name, cancellationToken: ct);
        Assert.Contains(engineService.Spec.Ports, p => p.Name == "http" && p.Port == 24568);
        await Kube.MarkPodsReadyAsync(client, ns.Name, "cluster-sample-engine", 1, ct);
        ClusterResource? ready = null;
        await Wait.ForAsync("Cluster Ready", async t =>
        {
            ready = await Kube.ClusterAsync(client, ns.Name, "cluster-sample", t);
            return (Kube.Condition(ready?.Status?.Conditions, "Ready")?.Status == "True", Kube.Describe(ready?.Status?.Conditions));
        }, Wait.Default, ct);
        Assert.Equal(["engine", "journal", "kernel", "storage"], ready!.Status!.Components!.Keys.Order(StringComparer.Ordinal));
        Assert.All(ready.Status.Components.Values, c => Assert.Equal(("True", 1, 1), (c.Ready, c.Replicas, c.ReadyReplicas)));
        Assert.Equal("False", Kube.Condition(ready.Status.Conditions, "Degraded")!.Status);
        Assert.Equal("False", Kube.Condition(ready.Status.Conditions, "Progressing")!.Status);
        Assert.Equal(ready.Metadata.Generation, Kube.Condition(ready.Status.Conditions, "Ready")!.ObservedGeneration);

        // Printer columns at a glance.
        var get = await Kube.KubectlAsync(cluster, ct, "get", "clusters,engines", "-n", ns.Name);
        Assert.True(get.ExitCode == 0, get.StandardError);
        Assert.Matches(@"cluster-sample\s+True\s+Ready\s+AsExpected", get.StandardOutput);
        Assert.Matches(@"cluster-sample-engine\s+1\s+1\s+Ready\s+AsExpected", get.StandardOutput);

        // PodDisruptionBudget as the server offers it (policy/v1beta1 on 1.20), and the NetworkPolicy.
        string pdbVersion = cluster.HasPolicyV1 ? "v1" : "v1beta1";
        await client.CustomObjects.GetNamespacedCustomObjectAsync("policy", pdbVersion, ns.Name, "poddisruptionbudgets", "cluster-sample-journal", cancellationToken: ct);
        await client.NetworkingV1.ReadNamespacedNetworkPolicyAsync("cluster-sample-engine", ns.Name, cancellationToken: ct);

        // Events for the transitions.
        var events = await client.CoreV1.ListNamespacedEventAsync(ns.Name, cancellationToken: ct);
        Assert.Contains(events.Items, e => e.InvolvedObject.Kind == "Cluster" && e.Reason == "Ready");
        Assert.Contains(events.Items, e => e.InvolvedObject.Kind == "Kernel" && e.Reason == "Created");

        // 6. Steady state: a full reconcile pass of every resource writes nothing.
        int before = op.Writes.Count;
        await op.ReconcileEverythingAsync(ct);
        await op.ReconcileEverythingAsync(ct);
        Assert.True(op.Writes.Count == before, "steady-state writes: " + string.Join(", ", op.Writes.Writes.Skip(before)));
        Assert.Equal(0, op.Metrics.Errors);

        // 7. Deleting the Cluster collects the component resources and through them every workload object.
        await client.CustomObjects.DeleteNamespacedCustomObjectAsync(EngulaApi.Group, EngulaApi.Version, ns.Name, "clusters", "cluster-sample", cancellationToken: ct);
        await Wait.ForAsync("everything collected", async t =>
        {
            var sts = await client.AppsV1.ListNamespacedStatefulSetAsync(ns.Name, cancellationToken: t);
            var services = await client.CoreV1.ListNamespacedServiceAsync(ns.Name, cancellationToken: t);
            int components = 0;
            foreach (var kind in ports.Keys)
            {
                components += (await client.CustomObjects.ListNamespacedCustomObjectAsync<ResourceList<ComponentResource>>(EngulaApi.Group, EngulaApi.Version, ns.Name, kind.Plural(), cancellationToken: t)).Items.Count;
            }

            return (sts.Items.Count == 0 && services.Items.Count == 0 && components == 0, $"{sts.Items.Count} StatefulSets, {services.Items.Count} Services, {components} component resources");
        }, TimeSpan.FromSeconds(60), ct);
    }
}
