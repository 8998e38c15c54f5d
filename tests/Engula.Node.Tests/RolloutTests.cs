using System.Diagnostics;
using Engula.Operator.Api;
using k8s;
using k8s.Models;

namespace Engula.Node.Tests;

/// <summary>
/// A full image rollout of the original sample, with real pods, under steady put load: the operator moves journal,
/// storage, kernel and engine to the new image one after the other (each component's new pod is created only after
/// the one before it is Ready on its new image), and every acknowledged put is readable afterwards. The puts that
/// failed while each component restarted and the time each component took are reported (bench/kube reads them).
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class RolloutTests(KubeNode node)
{
    private const string Namespace = "rollout";
    private static readonly string[] Components = ["journal", "storage", "kernel", "engine"];

    [Fact]
    public async Task A_new_image_rolls_journal_storage_kernel_engine_in_order_under_put_load_losing_no_acknowledged_put()
    {
        var ct = TestContext.Current.CancellationToken;
        await node.OperatorAsync(ct);
        var (sample, _, before) = await SampleCluster.ApplySampleAsync(node, Namespace, ct);
        // Up to 15 s per put: the engine itself waits up to 10 s for a journal that is away.
        var load = new PutLoad(node, sample, TimeSpan.FromSeconds(15));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var putting = load.RunAsync(stop.Token);
        await Poll.UntilAsync("puts acknowledged before the rollout", _ => Task.FromResult((load.Acknowledged >= 50, $"{load.Acknowledged} acknowledged")), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100), ct);

        var started = Stopwatch.GetTimestamp();
        await node.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch($"{{\"spec\":{{\"image\":{{\"name\":\"{KubeNode.SampleImageNext}\"}},\"engine\":{{\"image\":{{\"name\":\"{KubeNode.SampleImageNext}\"}}}}}}}}", V1Patch.PatchType.MergePatch),
            EngulaApi.Group, EngulaApi.Version, Namespace, "clusters", "cluster-sample", cancellationToken: ct);

        // Each component in turn: its new pod Ready on the new image, then the failures its restart cost.
        var rolled = new Dictionary<string, V1Pod>();
        long failedBefore = load.Failed;
        foreach (string component in Components)
        {
            string name = sample.Pod(component);
            var ready = await Pods.WaitReadyAsync(node, Namespace, [name], TimeSpan.FromSeconds(240), ct,
                p => p.Metadata.Uid != before[name].Metadata.Uid && p.Spec.Containers[0].Image == KubeNode.SampleImageNext);
            rolled[component] = ready[name];
            Timings.Record($"rollout_{component}_done_after", Stopwatch.GetElapsedTime(started));
            long failedNow = load.Failed;
            TestContext.Current.TestOutputHelper?.WriteLine($"rollout {component}: {failedNow - failedBefore} failed puts (last: {load.LastFailure})");
            failedBefore = failedNow;
        }

        Timings.Record("rollout_full", Stopwatch.GetElapsedTime(started));
        long afterRollout = load.Acknowledged;
        await Poll.UntilAsync("puts acknowledged after the rollout", _ => Task.FromResult((load.Acknowledged >= afterRollout + 50,
            $"{load.Acknowledged} acknowledged, {load.Failed} failed, last failure: {load.LastFailure}")), TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(100), ct);
        await stop.CancelAsync();
        await putting;
        TestContext.Current.TestOutputHelper?.WriteLine($"{load.Acknowledged} puts acknowledged, {load.Failed} answered with an error or no answer");

        // One component at a time: a component's new pod was created only once the one before it was Ready again.
        for (int i = 1; i < Components.Length; i++)
        {
            var previousReady = Pods.ReadySince(rolled[Components[i - 1]])!.Value;
            var created = rolled[Components[i]].Metadata.CreationTimestamp!.Value;
            Assert.True(created >= previousReady.AddSeconds(-1), // API timestamps have one-second resolution
                $"{Components[i]} pod created {created:HH:mm:ss} before {Components[i - 1]} was Ready at {previousReady:HH:mm:ss}");
        }

        foreach (var (key, state) in load.State)
        {
            string? value = await load.GetAsync(key, ct);
            Assert.True(state.Allowed(value), $"{key}: read {value ?? "nothing"}, last acknowledged {state.LastAcknowledged}, sent since {string.Join(",", state.SentSince)}");
        }

        // Done: every component reports the new revision as current, and the cluster is Ready.
        foreach (var kind in new[] { "journals", "storages", "kernels", "engines" })
        {
            var list = await node.Client.CustomObjects.ListNamespacedCustomObjectAsync<ResourceList<ComponentResource>>(EngulaApi.Group, EngulaApi.Version, Namespace, kind, cancellationToken: ct);
            var status = Assert.Single(list.Items).Status!;
            Assert.Equal(status.UpdateRevision, status.CurrentRevision);
        }

        await node.Client.CoreV1.DeleteNamespaceAsync(Namespace, cancellationToken: ct);
    }
}
