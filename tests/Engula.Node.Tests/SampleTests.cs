using System.Diagnostics;
using Engula.Operator.Manifests;
using k8s;

namespace Engula.Node.Tests;

/// <summary>
/// The original operator demo on a real node: install.yaml as committed, the original sample in <c>t2</c>, its four
/// pods Running and Ready through their own probes, and the original README's put and get from inside the cluster.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class SampleTests(KubeNode node)
{
    [Fact]
    public async Task The_original_sample_in_t2_comes_up_in_bootstrap_order_through_its_own_probes_with_no_restart()
    {
        var ct = TestContext.Current.CancellationToken;
        var run = await node.SampleAsync(ct);
        var pods = run.FirstPods;

        var journal = pods[run.Cluster.Pod("journal")];
        var storage = pods[run.Cluster.Pod("storage")];
        var kernel = pods[run.Cluster.Pod("kernel")];
        var engine = pods[run.Cluster.Pod("engine")];
        foreach (var pod in pods.Values)
        {
            Assert.All(pod.Status.ContainerStatuses, s => Assert.Equal(0, s.RestartCount));
            Assert.Equal(node.NodeName, pod.Spec.NodeName);
        }

        // Bootstrap order, as the kubelet reported it: the kernel's pod exists only once journal and storage are
        // Ready, the engine's only once the kernel is.
        Assert.True(kernel.Metadata.CreationTimestamp >= Pods.ReadySince(journal), $"kernel created {kernel.Metadata.CreationTimestamp:O}, journal Ready {Pods.ReadySince(journal):O}");
        Assert.True(kernel.Metadata.CreationTimestamp >= Pods.ReadySince(storage), $"kernel created {kernel.Metadata.CreationTimestamp:O}, storage Ready {Pods.ReadySince(storage):O}");
        Assert.True(engine.Metadata.CreationTimestamp >= Pods.ReadySince(kernel), $"engine created {engine.Metadata.CreationTimestamp:O}, kernel Ready {Pods.ReadySince(kernel):O}");

        // The sample's image is pullPolicy Always under a name the node had only in its mirror: the kubelet pulled it.
        // (The status names the image by its first local name, which may be another name of the same digest.)
        Assert.All(pods.Values, p => Assert.Equal(KubeNode.SampleImage, p.Spec.Containers.Single().Image));
        Assert.All(pods.Values, p => Assert.Equal("Always", p.Spec.Containers.Single().ImagePullPolicy));
        var images = await node.CtrAsync(["images", "ls", "-q"], ct);
        Assert.Contains(KubeNode.SampleImage, images.StandardOutput.Split('\n'));
    }

    [Fact]
    public async Task From_inside_the_cluster_the_READMEs_put_and_get_answer_by_the_engines_DNS_name_and_every_peer_name_resolves()
    {
        var ct = TestContext.Current.CancellationToken;
        var run = await node.SampleAsync(ct);

        // The original README: curl http://cluster-sample-engine-0.cluster-sample-engine:24568/put?key=1&value=111
        var put = await run.Client.GetAsync(run.Cluster.EngineHost, SampleCluster.EnginePort, "/put?key=1&value=111", ct);
        Assert.Equal((200, "put success"), put);
        var get = await run.Client.GetAsync(run.Cluster.EngineHost, SampleCluster.EnginePort, "/get?key=1", ct);
        Assert.Equal((200, "111"), get);

        // The names the components find each other by resolve to the pods' own addresses.
        foreach (var component in new[] { "journal", "storage", "kernel", "engine" })
        {
            string pod = run.Cluster.Pod(component);
            string ip = await Pods.IpAsync(node, "t2", pod, ct);
            Assert.Equal([ip], await run.Client.ResolveAsync($"{pod}.cluster-sample-{component}", ct));
            Assert.Equal([ip], await run.Client.ResolveAsync($"cluster-sample-{component}.t2.svc.cluster.local", ct));
        }
    }

    [Fact]
    public async Task The_engine_scaled_with_kubectl_from_1_to_0_and_back_serves_what_was_written_before()
    {
        var ct = TestContext.Current.CancellationToken;
        var run = await node.SampleAsync(ct);
        Assert.Equal((200, "put success"), await run.Client.GetAsync(run.Cluster.EngineHost, SampleCluster.EnginePort, "/put?key=scaled&value=before", ct));

        await Kubectl.RunAsync(node, ct, "scale", "-n", "t2", "engine/cluster-sample-engine", "--replicas=0");
        await Pods.WaitGoneAsync(node, "t2", "app.kubernetes.io/component=engine", TimeSpan.FromSeconds(120), ct);
        await Kubectl.RunAsync(node, ct, "scale", "-n", "t2", "engine/cluster-sample-engine", "--replicas=1");
        await Pods.WaitReadyAsync(node, "t2", [run.Cluster.Pod("engine")], TimeSpan.FromSeconds(120), ct);

        // A new engine recovers from the journal: what was acknowledged before the scale-down is there.
        await Poll.UntilAsync("the scaled-up engine to answer by its name", async token =>
        {
            var get = await run.Client.GetAsync(run.Cluster.EngineHost, SampleCluster.EnginePort, "/get?key=scaled", token);
            return (get == (200, "before"), $"{get.Status} {get.Body}");
        }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(500), ct);
    }

    [Fact]
    public async Task Deleting_the_leading_operator_pod_hands_the_Lease_to_the_standby_before_it_could_expire()
    {
        var ct = TestContext.Current.CancellationToken;
        await node.SampleAsync(ct);
        await OperatorInstall.WaitAvailableAsync(node, ct);
        string leader = await OperatorInstall.LeaderAsync(node, ct) ?? throw new InvalidOperationException("no operator holds the Lease");
        var operatorPods = await node.Client.CoreV1.ListNamespacedPodAsync(InstallManifests.Namespace, cancellationToken: ct);
        string standby = Assert.Single(operatorPods.Items, p => p.Metadata.Name != leader && p.Metadata.DeletionTimestamp is null).Metadata.Name;

        var deleted = Stopwatch.GetTimestamp();
        await node.Client.CoreV1.DeleteNamespacedPodAsync(leader, InstallManifests.Namespace, cancellationToken: ct);
        // The Lease lasts 15 s; a standby leading sooner can only mean the stopping leader released it.
        await Poll.UntilAsync($"{standby} to hold the Lease", async token =>
        {
            string? holder = await OperatorInstall.LeaderAsync(node, token);
            return (holder == standby, holder ?? "no holder");
        }, TimeSpan.FromSeconds(12), TimeSpan.FromMilliseconds(100), ct);
        Timings.Record("operator_failover_leader_pod_deleted", Stopwatch.GetElapsedTime(deleted));

        // The new leader reconciles: the Deployment gets its second replica back and the sample stays Ready.
        await OperatorInstall.WaitAvailableAsync(node, ct);
    }
}
