using Engula.Operator.Api;
using k8s;
using k8s.Models;

namespace Engula.Operator.Tests;

/// <summary>
/// Gated rollouts on the real API server, whose StatefulSet controller replaces the pods (marked Ready by the test:
/// no kubelet runs here; the node tier runs the same with real pods). A new image rolls one component at a time —
/// journal, storage, kernel, engine — and one pod at a time through the partition; a pod that never becomes Ready
/// halts the rollout with RolloutStuck and leaves the later components untouched; reverting recovers it.
/// </summary>
[Collection(KubeCollection.Name)]
public sealed class RolloutTests(KubeTestCluster cluster)
{
    private const string NewImage = "ghcr.io/engula/engula:0.2.1";
    private static readonly string[] Order = ["cluster-sample-journal", "cluster-sample-storage", "cluster-sample-kernel", "cluster-sample-engine"];

    [Fact]
    public async Task A_new_image_rolls_one_component_at_a_time_in_order_and_one_pod_at_a_time()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = cluster.Client;
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        await using var op = await RunningOperator.StartAsync(cluster, ns.Name, ct);
        await Samples.ReadySampleAsync(cluster, ns.Name, ct);

        // Two journal pods, so that the partition has a pod to hold back.
        await PatchClusterAsync(client, ns.Name, "{\"spec\":{\"journal\":{\"replicas\":2}}}", ct);
        await Kube.MarkPodsReadyAsync(client, ns.Name, Order[0], 2, ct);
        await Kube.WaitForConditionAsync(client, ResourceKind.Journal, ns.Name, Order[0], "Ready", "True", null, ct);
        string oldImage = await ImageAsync(client, ns.Name, Order[0], ct);

        // The sample's engine names its own image: change both.
        await PatchClusterAsync(client, ns.Name, $"{{\"spec\":{{\"image\":{{\"name\":\"{NewImage}\"}},\"engine\":{{\"image\":{{\"name\":\"{NewImage}\"}}}}}}}}", ct);

        // Journal first, its highest ordinal alone: partition 1, pod 0 still on the old revision.
        await WaitForImageAsync(client, ns.Name, Order[0], NewImage, ct);
        var journal = (await Kube.StatefulSetAsync(client, ns.Name, Order[0], ct))!;
        Assert.Equal(1, journal.Spec.UpdateStrategy.RollingUpdate.Partition);
        var rolling = await Kube.WaitForConditionAsync(client, ResourceKind.Journal, ns.Name, Order[0], "Progressing", "True", "RollingOut", ct);
        await AssertUntouchedAsync(client, ns.Name, Order[1..], oldImage, ct);
        var held = await Kube.WaitForConditionAsync(client, ResourceKind.Storage, ns.Name, Order[1], "Progressing", "True", "WaitingForRollout", ct);
        Assert.Contains("journal cluster-sample-journal", Kube.Condition(held.Status!.Conditions, "Progressing")!.Message, StringComparison.Ordinal);

        await Kube.MarkPodOnUpdateRevisionAsync(client, ns.Name, Order[0], 1, ready: true, ct);
        await Wait.ForAsync("journal partition lowered to 0", async t =>
            (await Kube.StatefulSetAsync(client, ns.Name, Order[0], t))!.Spec.UpdateStrategy.RollingUpdate.Partition == 0, Wait.Default, ct);
        await AssertUntouchedAsync(client, ns.Name, Order[1..], oldImage, ct);
        await Kube.MarkPodOnUpdateRevisionAsync(client, ns.Name, Order[0], 0, ready: true, ct);
        var done = await Kube.WaitForConditionAsync(client, ResourceKind.Journal, ns.Name, Order[0], "Progressing", "False", "Complete", ct);
        Assert.Equal((done.Status!.UpdateRevision, 2), (done.Status.CurrentRevision, done.Status.UpdatedReplicas));
        Assert.NotEqual(rolling.Status!.CurrentRevision, done.Status.CurrentRevision);

        // Then storage, kernel and engine, each only after the one before it has finished.
        for (int i = 1; i < Order.Length; i++)
        {
            await WaitForImageAsync(client, ns.Name, Order[i], NewImage, ct);
            await AssertUntouchedAsync(client, ns.Name, Order[(i + 1)..], oldImage, ct);
            await Kube.MarkPodsReadyOnUpdateRevisionAsync(client, ns.Name, Order[i], 1, ct);
        }

        foreach (var (kind, name) in new[] { ResourceKind.Storage, ResourceKind.Kernel, ResourceKind.Engine }.Zip(Order[1..]))
        {
            var status = (await Kube.WaitForConditionAsync(client, kind, ns.Name, name, "Progressing", "False", "Complete", ct)).Status!;
            Assert.Equal(status.UpdateRevision, status.CurrentRevision);
            Assert.Equal(0, (await Kube.StatefulSetAsync(client, ns.Name, name, ct))!.Spec.UpdateStrategy.RollingUpdate.Partition);
        }

        await Wait.ForAsync("Cluster Ready", async t =>
            Kube.Condition((await Kube.ClusterAsync(client, ns.Name, "cluster-sample", t))?.Status?.Conditions, "Ready")?.Status == "True", Wait.Default, ct);
        Assert.Equal(0, op.Metrics.Errors);
    }

    [Fact]
    public async Task A_pod_that_never_becomes_Ready_halts_the_rollout_untouched_components_stay_and_a_revert_replaces_the_stuck_pod()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = cluster.Client;
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        await using var op = await RunningOperator.StartAsync(cluster, ns.Name, ct, configure: o => o with { RolloutTimeout = TimeSpan.FromSeconds(3) });
        await Samples.ReadySampleAsync(cluster, ns.Name, ct);
        string oldImage = await ImageAsync(client, ns.Name, Order[0], ct);
        var generations = new Dictionary<string, long?>();
        foreach (string name in Order[1..])
        {
            generations[name] = (await Kube.StatefulSetAsync(client, ns.Name, name, ct))!.Metadata.Generation;
        }

        // A bad image: the journal's pod is replaced and crash-loops (Running, never Ready — what the kubelet reports).
        await PatchClusterAsync(client, ns.Name, $"{{\"spec\":{{\"image\":{{\"name\":\"{NewImage}\"}}}}}}", ct);
        await WaitForImageAsync(client, ns.Name, Order[0], NewImage, ct);
        await Kube.MarkPodOnUpdateRevisionAsync(client, ns.Name, Order[0], 0, ready: false, ct);
        var stuck = await Kube.WaitForConditionAsync(client, ResourceKind.Journal, ns.Name, Order[0], "Degraded", "True", "RolloutStuck", ct);
        Assert.Contains("cluster-sample-journal-0", Kube.Condition(stuck.Status!.Conditions, "Degraded")!.Message, StringComparison.Ordinal);
        string badRevision = stuck.Status.UpdateRevision!;
        await Wait.ForAsync("a RolloutStuck Event on the journal", async t =>
            (await client.CoreV1.ListNamespacedEventAsync(ns.Name, cancellationToken: t)).Items.Any(e => e.Reason == "RolloutStuck" && e.InvolvedObject.Name == Order[0]), Wait.Default, ct);
        await Kube.WaitForConditionAsync(client, ResourceKind.Storage, ns.Name, Order[1], "Progressing", "True", "WaitingForRollout", ct);
        await AssertUntouchedAsync(client, ns.Name, Order[1..], oldImage, ct);

        // Revert: the operator deletes the pod stuck on the abandoned revision; the controller re-creates it on the old one.
        var badPod = await client.CoreV1.ReadNamespacedPodAsync(Order[0] + "-0", ns.Name, cancellationToken: ct);
        Assert.Equal(badRevision, badPod.Metadata.Labels["controller-revision-hash"]);
        await PatchClusterAsync(client, ns.Name, $"{{\"spec\":{{\"image\":{{\"name\":\"{oldImage}\"}}}}}}", ct);
        await WaitForImageAsync(client, ns.Name, Order[0], oldImage, ct);
        await Kube.MarkPodsReadyOnUpdateRevisionAsync(client, ns.Name, Order[0], 1, ct);
        ComponentResource? recovered = null;
        await Wait.ForAsync("the journal recovered on the old revision", async t =>
        {
            recovered = await Kube.ComponentAsync(client, ResourceKind.Journal, ns.Name, Order[0], t);
            var status = recovered?.Status;
            return (Kube.Condition(status?.Conditions, "Degraded")?.Status == "False" && Kube.Condition(status?.Conditions, "Ready")?.Status == "True"
                && status!.UpdateRevision != badRevision && status.CurrentRevision == status.UpdateRevision, Kube.Describe(status?.Conditions));
        }, Wait.Default, ct);
        var pod = await client.CoreV1.ReadNamespacedPodAsync(Order[0] + "-0", ns.Name, cancellationToken: ct);
        Assert.NotEqual(badPod.Metadata.Uid, pod.Metadata.Uid);
        Assert.Equal(recovered!.Status!.UpdateRevision, pod.Metadata.Labels["controller-revision-hash"]);
        var events = (await client.CoreV1.ListNamespacedEventAsync(ns.Name, cancellationToken: ct)).Items;
        Assert.True(events.Any(e => e.Reason == "ReplacedStuckPod" && e.InvolvedObject.Name == Order[0]),
            string.Join("\n", events.OrderBy(e => e.Metadata.ResourceVersion).Select(e => $"{e.InvolvedObject.Kind}/{e.InvolvedObject.Name} {e.Reason}: {e.Message}")));

        // Nothing else was ever changed, and the cluster is Ready again.
        await Wait.ForAsync("Cluster Ready", async t =>
            Kube.Condition((await Kube.ClusterAsync(client, ns.Name, "cluster-sample", t))?.Status?.Conditions, "Ready")?.Status == "True", Wait.Default, ct);
        foreach (string name in Order[1..])
        {
            Assert.Equal(generations[name], (await Kube.StatefulSetAsync(client, ns.Name, name, ct))!.Metadata.Generation);
        }
    }

    private static async Task PatchClusterAsync(IKubernetes client, string ns, string patch, CancellationToken ct) =>
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(patch, V1Patch.PatchType.MergePatch), EngulaApi.Group, EngulaApi.Version, ns, "clusters", "cluster-sample", cancellationToken: ct);

    private static async Task<string> ImageAsync(IKubernetes client, string ns, string name, CancellationToken ct) =>
        (await Kube.StatefulSetAsync(client, ns, name, ct))!.Spec.Template.Spec.Containers[0].Image;

    private static Task WaitForImageAsync(IKubernetes client, string ns, string name, string image, CancellationToken ct) =>
        Wait.ForAsync($"{name} with image {image}", async t =>
        {
            bool done = (await Kube.StatefulSetAsync(client, ns, name, t))?.Spec.Template.Spec.Containers[0].Image == image;
            var states = new List<string>();
            foreach (var (kind, member) in new[] { ResourceKind.Journal, ResourceKind.Storage, ResourceKind.Kernel, ResourceKind.Engine }.Zip(Order))
            {
                var resource = await Kube.ComponentAsync(client, kind, ns, member, t);
                states.Add($"{member} (generation {resource?.Metadata.Generation}, observed {resource?.Status?.ObservedGeneration}): {Kube.Describe(resource?.Status?.Conditions)}");
            }

            return (done, string.Join("\n", states));
        }, Wait.Default, ct);

    private static async Task AssertUntouchedAsync(IKubernetes client, string ns, IEnumerable<string> names, string image, CancellationToken ct)
    {
        foreach (string name in names)
        {
            Assert.Equal(image, await ImageAsync(client, ns, name, ct));
        }
    }
}
