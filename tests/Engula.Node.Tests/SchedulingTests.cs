using System.Text.Json;
using Engula.Operator.Api;
using k8s;
using k8s.Models;

namespace Engula.Node.Tests;

/// <summary>
/// Pod settings with the real scheduler: a journal whose nodeSelector no node matches stays Pending as Unschedulable;
/// once the selector names this node, the operator rolls the journal (replacing the Pending pod, which the
/// StatefulSet controller would wait on forever) and the pod runs and becomes Ready there.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class SchedulingTests(KubeNode node)
{
    private const string Namespace = "scheduling";

    [Fact]
    public async Task A_node_selector_no_node_matches_keeps_the_pod_unschedulable_and_one_naming_this_node_runs_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await node.OperatorAsync(ct);
        await SampleCluster.EnsureNamespaceAsync(node, Namespace, ct);
        string body = $"{{\"apiVersion\":\"{EngulaApi.ApiVersion}\",\"kind\":\"Journal\",\"metadata\":{{\"name\":\"placed\"}},\"spec\":{{" +
            $"\"image\":{{\"name\":\"{KubeNode.EngulaImage}\"}},\"pod\":{{\"nodeSelector\":{{\"node.engula.io/pool\":\"absent\"}}}}}}}}";
        await node.Client.CustomObjects.CreateNamespacedCustomObjectAsync(JsonDocument.Parse(body).RootElement, EngulaApi.Group, EngulaApi.Version, Namespace, "journals", cancellationToken: ct);

        await Poll.UntilAsync("placed-0 Unschedulable", async t =>
        {
            var pod = await Pods.TryReadAsync(node, Namespace, "placed-0", t);
            var scheduled = pod?.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled");
            return (scheduled is { Status: "False", Reason: "Unschedulable" }, $"{Pods.Describe(pod)} {scheduled?.Reason}: {scheduled?.Message}");
        }, TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(250), ct);
        var pending = await node.Client.CoreV1.ReadNamespacedPodAsync("placed-0", Namespace, cancellationToken: ct);

        await node.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch($"{{\"spec\":{{\"pod\":{{\"nodeSelector\":{{\"node.engula.io/pool\":null,\"kubernetes.io/hostname\":\"{node.NodeName}\"}}}}}}}}", V1Patch.PatchType.MergePatch),
            EngulaApi.Group, EngulaApi.Version, Namespace, "journals", "placed", cancellationToken: ct);

        var ready = await Pods.WaitReadyAsync(node, Namespace, ["placed-0"], TimeSpan.FromSeconds(180), ct, p => p.Metadata.Uid != pending.Metadata.Uid);
        Assert.Equal(node.NodeName, ready["placed-0"].Spec.NodeName);
        Assert.Equal(node.NodeName, ready["placed-0"].Spec.NodeSelector["kubernetes.io/hostname"]);
        var events = (await node.Client.CoreV1.ListNamespacedEventAsync(Namespace, cancellationToken: ct)).Items;
        Assert.Contains(events, e => e.Reason == "ReplacedStuckPod" && e.InvolvedObject.Name == "placed");

        await node.Client.CoreV1.DeleteNamespaceAsync(Namespace, cancellationToken: ct);
    }
}
