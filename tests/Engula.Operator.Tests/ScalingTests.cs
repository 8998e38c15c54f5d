using Engula.Operator.Api;
using k8s;
using k8s.Models;

namespace Engula.Operator.Tests;

/// <summary>
/// Scaling through the /scale subresource (kubectl scale) and through the Cluster, with the operator's rules:
/// the last change wins; scale-down of journal/storage/kernel and more than one kernel or engine are refused
/// (workload unchanged, Degraded=True with the reason).
/// </summary>
[Collection(KubeCollection.Name)]
public sealed class ScalingTests(KubeTestCluster cluster)
{
    [Fact]
    public async Task Scale_rules_engine_refused_above_one_journal_scale_down_refused_and_last_change_wins()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = cluster.Client;
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        await using var op = await RunningOperator.StartAsync(cluster, ns.Name, ct);
        await Samples.ReadySampleAsync(cluster, ns.Name, ct);

        // More than one engine: refused, the StatefulSet keeps 1.
        await ScaleAsync(ResourceKind.Engine, 2, ns.Name, ct);
        var engine = await Kube.WaitForConditionAsync(client, ResourceKind.Engine, ns.Name, "cluster-sample-engine", "Degraded", "True", "TooManyReplicas", ct);
        Assert.Equal(2, engine.Spec.Replicas);
        Assert.Equal(1, (await Kube.StatefulSetAsync(client, ns.Name, "cluster-sample-engine", ct))!.Spec.Replicas);
        var events = await client.CoreV1.ListNamespacedEventAsync(ns.Name, cancellationToken: ct);
        Assert.Contains(events.Items, e => e.InvolvedObject.Name == "cluster-sample-engine" && e.Reason == "TooManyReplicas" && e.Type == "Warning");

        // The engine is stateless: scaling it to 0 is allowed.
        await ScaleAsync(ResourceKind.Engine, 0, ns.Name, ct);
        await Kube.WaitForConditionAsync(client, ResourceKind.Engine, ns.Name, "cluster-sample-engine", "Degraded", "False", null, ct);
        await Wait.ForAsync("engine StatefulSet at 0", async t => (await Kube.StatefulSetAsync(client, ns.Name, "cluster-sample-engine", t))!.Spec.Replicas == 0, Wait.Default, ct);

        // Journal: scaling up is allowed, scaling down is refused and leaves the StatefulSet as it is.
        await ScaleAsync(ResourceKind.Journal, 2, ns.Name, ct);
        await Wait.ForAsync("journal StatefulSet at 2", async t => (await Kube.StatefulSetAsync(client, ns.Name, "cluster-sample-journal", t))!.Spec.Replicas == 2, Wait.Default, ct);
        await ScaleAsync(ResourceKind.Journal, 1, ns.Name, ct);
        var journal = await Kube.WaitForConditionAsync(client, ResourceKind.Journal, ns.Name, "cluster-sample-journal", "Degraded", "True", "ScaleDownRefused", ct);
        Assert.Contains("only copy", Kube.Condition(journal.Status!.Conditions, "Degraded")!.Message);
        Assert.Equal(2, (await Kube.StatefulSetAsync(client, ns.Name, "cluster-sample-journal", ct))!.Spec.Replicas);

        // The Cluster shows the refusal and what the journal actually runs.
        ClusterResource? sample = null;
        await Wait.ForAsync("Cluster Degraded ScaleDownRefused", async t =>
        {
            sample = await Kube.ClusterAsync(client, ns.Name, "cluster-sample", t);
            return (Kube.Condition(sample?.Status?.Conditions, "Degraded") is { Status: "True", Reason: "ScaleDownRefused" }
                && sample!.Status!.Components!["journal"].Replicas == 2, Kube.Describe(sample?.Status?.Conditions));
        }, Wait.Default, ct);

        // Last change wins: a change of the Cluster's field is applied to the component...
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("{\"spec\":{\"storage\":{\"replicas\":2}}}", V1Patch.PatchType.MergePatch), EngulaApi.Group, EngulaApi.Version, ns.Name, "clusters", "cluster-sample", cancellationToken: ct);
        await Wait.ForAsync("storage StatefulSet at 2", async t => (await Kube.StatefulSetAsync(client, ns.Name, "cluster-sample-storage", t))!.Spec.Replicas == 2, Wait.Default, ct);
        // ...and a later kubectl scale of the component stays, because the Cluster's field did not change again.
        await ScaleAsync(ResourceKind.Storage, 3, ns.Name, ct);
        await Wait.ForAsync("storage StatefulSet at 3", async t => (await Kube.StatefulSetAsync(client, ns.Name, "cluster-sample-storage", t))!.Spec.Replicas == 3, Wait.Default, ct);
        await op.ReconcileEverythingAsync(ct);
        Assert.Equal(3, (await Kube.ComponentAsync(client, ResourceKind.Storage, ns.Name, "cluster-sample-storage", ct))!.Spec.Replicas);
        Assert.Equal(3, (await Kube.StatefulSetAsync(client, ns.Name, "cluster-sample-storage", ct))!.Spec.Replicas);

        // A kernel below 1 is rejected by the schema through /scale (422).
        var error = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CustomObjects.PatchNamespacedCustomObjectScaleAsync(
            new V1Patch("{\"spec\":{\"replicas\":0}}", V1Patch.PatchType.MergePatch), EngulaApi.Group, EngulaApi.Version, ns.Name, "kernels", "cluster-sample-kernel", cancellationToken: ct));
        Assert.Equal(422, (int)error.Response.StatusCode);
        Assert.Equal(0, op.Metrics.Errors);
    }

    private async Task ScaleAsync(ResourceKind kind, int replicas, string ns, CancellationToken ct)
    {
        var result = await Kube.KubectlAsync(cluster, ct, "scale", "-n", ns, $"{kind.Plural()}.{EngulaApi.Group}/cluster-sample-{kind.Singular()}", $"--replicas={replicas}");
        Assert.True(result.ExitCode == 0, result.StandardError);
    }
}
