using System.Globalization;
using k8s;

namespace Engula.Node.Tests;

/// <summary>
/// The sample under steady put load while its journal pod is deleted and its engine's container is SIGKILLed: both
/// come back on their own (the journal's data lived on its volume, the engine recovers from the journal), and every
/// acknowledged put is readable with its last value.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class FaultTests(KubeNode node)
{
    [Fact]
    public async Task Under_put_load_a_deleted_journal_pod_and_a_SIGKILLed_engine_container_lose_no_acknowledged_put()
    {
        var ct = TestContext.Current.CancellationToken;
        var run = await node.SampleAsync(ct);
        var sample = run.Cluster;
        var load = new PutLoad(node, sample);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var putting = load.RunAsync(stop.Token);
        await Poll.UntilAsync("puts acknowledged before the faults", _ => Task.FromResult((load.Acknowledged >= 50, $"{load.Acknowledged} acknowledged")), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100), ct);

        // 1. The journal pod deleted: the StatefulSet makes a new one on the same volume.
        var journal = await node.Client.CoreV1.ReadNamespacedPodAsync(sample.Pod("journal"), "t2", cancellationToken: ct);
        await node.Client.CoreV1.DeleteNamespacedPodAsync(journal.Metadata.Name, "t2", cancellationToken: ct);
        await Pods.WaitReadyAsync(node, "t2", [sample.Pod("journal")], TimeSpan.FromSeconds(180), ct, p => p.Metadata.Uid != journal.Metadata.Uid);
        long afterJournal = load.Acknowledged;
        await Poll.UntilAsync("puts acknowledged after the journal came back", _ => Task.FromResult((load.Acknowledged >= afterJournal + 50, $"{load.Acknowledged} acknowledged")), TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(100), ct);

        // 2. The engine's container SIGKILLed through containerd (a kill from inside would spare PID 1): the kubelet restarts it.
        var engine = await node.Client.CoreV1.ReadNamespacedPodAsync(sample.Pod("engine"), "t2", cancellationToken: ct);
        var status = engine.Status.ContainerStatuses.Single();
        string containerId = status.ContainerID["containerd://".Length..];
        var kill = await node.CtrAsync(["tasks", "kill", "--signal", "SIGKILL", containerId], ct);
        Assert.True(kill.ExitCode == 0, kill.StandardError);
        await Pods.WaitReadyAsync(node, "t2", [sample.Pod("engine")], TimeSpan.FromSeconds(180), ct,
            p => p.Status.ContainerStatuses.Single().RestartCount > status.RestartCount);
        var restarted = await node.Client.CoreV1.ReadNamespacedPodAsync(sample.Pod("engine"), "t2", cancellationToken: ct);
        Assert.Equal(137, restarted.Status.ContainerStatuses.Single().LastState.Terminated.ExitCode);
        long afterEngine = load.Acknowledged;
        await Poll.UntilAsync("puts acknowledged after the engine came back", _ => Task.FromResult((load.Acknowledged >= afterEngine + 50, $"{load.Acknowledged} acknowledged")), TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(100), ct);

        await stop.CancelAsync();
        await putting;
        TestContext.Current.SendDiagnosticMessage($"{load.Acknowledged} puts acknowledged, {load.Failed} answered with an error or no answer");

        // Every key holds its last acknowledged value, or a value sent after it whose answer was lost (an
        // unacknowledged put may still have been applied; it can never be older than the acknowledged one).
        foreach (var (key, state) in load.State)
        {
            string? value = await load.GetAsync(key, ct);
            Assert.True(state.Allowed(value), $"{key}: read {value ?? "nothing"}, last acknowledged {state.LastAcknowledged}, sent since {string.Join(",", state.SentSince)}");
        }
    }

    [Fact]
    public async Task A_deleted_engine_pod_is_replaced_and_answers_puts_again_with_what_was_acknowledged_before()
    {
        var ct = TestContext.Current.CancellationToken;
        var run = await node.SampleAsync(ct);
        var sample = run.Cluster;
        var load = new PutLoad(node, sample);
        Assert.True(await load.PutAsync("deleted-pod", "before", ct));
        var engine = await node.Client.CoreV1.ReadNamespacedPodAsync(sample.Pod("engine"), "t2", cancellationToken: ct);

        var deleted = System.Diagnostics.Stopwatch.GetTimestamp();
        await node.Client.CoreV1.DeleteNamespacedPodAsync(engine.Metadata.Name, "t2", cancellationToken: ct);
        await Poll.UntilAsync("a put answered by the replacement engine pod", async token =>
        {
            var pod = await Pods.TryReadAsync(node, "t2", sample.Pod("engine"), token);
            if (pod is null || pod.Metadata.Uid == engine.Metadata.Uid || pod.Status?.PodIP is null)
            {
                return (false, $"pod {Pods.Describe(pod)}");
            }

            return (await load.PutAsync("deleted-pod-after", "answered", token), $"new pod {Pods.Describe(pod)}");
        }, TimeSpan.FromSeconds(180), TimeSpan.FromMilliseconds(100), ct);
        Timings.Record("engine_pod_deleted_to_put_answered", System.Diagnostics.Stopwatch.GetElapsedTime(deleted));

        Assert.Equal("before", await load.GetAsync("deleted-pod", ct));
        Assert.Equal("answered", await load.GetAsync("deleted-pod-after", ct));
    }
}
