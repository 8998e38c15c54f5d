using System.Globalization;
using k8s;
using k8s.Models;

namespace Engula.Node.Tests;

/// <summary>Waits on pods as the kubelet reports them (nothing here writes a pod's status).</summary>
internal static class Pods
{
    public static bool IsReady(V1Pod? pod) =>
        pod?.Status?.Phase == "Running" && pod.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    /// <summary>When the kubelet last turned the pod Ready.</summary>
    public static DateTime? ReadySince(V1Pod pod) =>
        pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready" && c.Status == "True")?.LastTransitionTime;

    public static string Describe(V1Pod? pod)
    {
        if (pod is null)
        {
            return "absent";
        }

        var waiting = pod.Status?.ContainerStatuses?.Select(s => s.State?.Waiting is { } w ? $"{s.Name} {w.Reason}: {w.Message}" : s.State?.Terminated is { } t ? $"{s.Name} exited {t.ExitCode.ToString(CultureInfo.InvariantCulture)} {t.Reason}" : $"{s.Name} running, ready={s.Ready}");
        return $"{pod.Status?.Phase} [{string.Join("; ", waiting ?? [])}]";
    }

    /// <summary>Waits until every named pod exists, runs and is Ready; returns them.</summary>
    public static async Task<Dictionary<string, V1Pod>> WaitReadyAsync(KubeTestCluster node, string ns, IReadOnlyCollection<string> names, TimeSpan timeout, CancellationToken ct, Func<V1Pod, bool>? also = null)
    {
        var seen = new Dictionary<string, V1Pod>();
        await Poll.UntilAsync($"pods {string.Join(", ", names)} Ready in {ns}", async token =>
        {
            var list = await node.Client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: token);
            seen = list.Items.Where(p => names.Contains(p.Metadata.Name)).ToDictionary(p => p.Metadata.Name);
            bool done = names.All(n => seen.TryGetValue(n, out var p) && IsReady(p) && p.Metadata.DeletionTimestamp is null && (also?.Invoke(p) ?? true));
            return (done, string.Join("; ", names.Select(n => $"{n}: {Describe(seen.GetValueOrDefault(n))}")));
        }, timeout, TimeSpan.FromMilliseconds(250), ct);
        return seen;
    }

    /// <summary>Waits until no pod of <paramref name="ns"/> matches the label selector.</summary>
    public static Task WaitGoneAsync(KubeTestCluster node, string ns, string selector, TimeSpan timeout, CancellationToken ct) =>
        Poll.UntilAsync($"no pods {selector} in {ns}", async token =>
        {
            var list = await node.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: selector, cancellationToken: token);
            return (list.Items.Count == 0, string.Join(", ", list.Items.Select(p => $"{p.Metadata.Name} {Describe(p)}")));
        }, timeout, TimeSpan.FromMilliseconds(250), ct);

    /// <summary>The pod, or null while it does not exist (deleted and not yet re-created by its StatefulSet).</summary>
    public static async Task<V1Pod?> TryReadAsync(KubeTestCluster node, string ns, string name, CancellationToken ct)
    {
        try
        {
            return await node.Client.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: ct);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>The pod's IP as the kubelet reports it (on the node's bridge).</summary>
    public static async Task<string> IpAsync(KubeTestCluster node, string ns, string pod, CancellationToken ct) =>
        (await node.Client.CoreV1.ReadNamespacedPodAsync(pod, ns, cancellationToken: ct)).Status.PodIP;
}
