using Engula.Operator.Api;
using k8s;
using k8s.Models;

namespace Engula.Operator.Tests;

/// <summary>Test-side reads and actions on the API server (as an admin, not through the operator).</summary>
internal static class Kube
{
    public static async Task<ComponentResource?> ComponentAsync(IKubernetes client, ResourceKind kind, string ns, string name, CancellationToken ct)
    {
        try
        {
            return await client.CustomObjects.GetNamespacedCustomObjectAsync<ComponentResource>(EngulaApi.Group, EngulaApi.Version, ns, kind.Plural(), name, cancellationToken: ct);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public static async Task<ClusterResource?> ClusterAsync(IKubernetes client, string ns, string name, CancellationToken ct)
    {
        try
        {
            return await client.CustomObjects.GetNamespacedCustomObjectAsync<ClusterResource>(EngulaApi.Group, EngulaApi.Version, ns, "clusters", name, cancellationToken: ct);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public static async Task<V1StatefulSet?> StatefulSetAsync(IKubernetes client, string ns, string name, CancellationToken ct)
    {
        try
        {
            return await client.AppsV1.ReadNamespacedStatefulSetAsync(name, ns, cancellationToken: ct);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public static V1Condition? Condition(IEnumerable<V1Condition>? conditions, string type) => conditions?.FirstOrDefault(c => c.Type == type);

    public static string Describe(IEnumerable<V1Condition>? conditions) =>
        conditions is null ? "no conditions" : string.Join("; ", conditions.Select(c => $"{c.Type}={c.Status} {c.Reason}: {c.Message}"));

    /// <summary>Waits for the component's condition to have this status (and reason, if given).</summary>
    public static async Task<ComponentResource> WaitForConditionAsync(IKubernetes client, ResourceKind kind, string ns, string name, string type, string status, string? reason, CancellationToken ct, string? messageContains = null, string? messageLacks = null)
    {
        ComponentResource? last = null;
        await Wait.ForAsync($"{kind} {name} {type}={status} {reason} {messageContains} !{messageLacks}", async token =>
        {
            last = await ComponentAsync(client, kind, ns, name, token);
            var condition = Condition(last?.Status?.Conditions, type);
            return (condition?.Status == status && (reason is null || condition.Reason == reason)
                    && (messageContains is null || (condition.Message ?? "").Contains(messageContains, StringComparison.Ordinal))
                    && (messageLacks is null || !(condition.Message ?? "").Contains(messageLacks, StringComparison.Ordinal))
                    && last!.Status!.ObservedGeneration == last.Metadata.Generation,
                Describe(last?.Status?.Conditions));
        }, Wait.Default, ct);
        return last!;
    }

    /// <summary>Marks every pod of the StatefulSet Ready (the test server runs no kubelet), waiting for the pods to exist.</summary>
    public static async Task MarkPodsReadyAsync(IKubernetes client, string ns, string statefulSet, int count, CancellationToken ct)
    {
        for (int i = 0; i < count; i++)
        {
            string pod = $"{statefulSet}-{i}";
            await Wait.ForAsync($"pod {pod} exists", async token =>
            {
                var pods = await client.CoreV1.ListNamespacedPodAsync(ns, fieldSelector: "metadata.name=" + pod, cancellationToken: token);
                return pods.Items.Count == 1;
            }, Wait.Default, ct);
            await client.CoreV1.PatchNamespacedPodStatusAsync(
                new V1Patch("{\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}", V1Patch.PatchType.MergePatch),
                pod, ns, cancellationToken: ct);
        }
    }

    /// <summary>
    /// Marks the StatefulSet's pods Ready once each runs its current template: waits until the StatefulSet controller
    /// has seen the latest spec and pod <c>i</c> carries the update revision (the controller replaced it), then marks it.
    /// </summary>
    public static async Task MarkPodsReadyOnUpdateRevisionAsync(IKubernetes client, string ns, string statefulSet, int count, CancellationToken ct)
    {
        string? revision = null;
        await Wait.ForAsync($"StatefulSet {statefulSet} observed with an update revision", async token =>
        {
            var set = await client.AppsV1.ReadNamespacedStatefulSetAsync(statefulSet, ns, cancellationToken: token);
            revision = set.Status?.UpdateRevision;
            return revision is { Length: > 0 } && set.Status!.ObservedGeneration >= set.Metadata.Generation;
        }, Wait.Default, ct);
        for (int i = 0; i < count; i++)
        {
            string pod = $"{statefulSet}-{i}";
            await Wait.ForAsync($"pod {pod} on revision {revision}", async token =>
            {
                var pods = await client.CoreV1.ListNamespacedPodAsync(ns, fieldSelector: "metadata.name=" + pod, cancellationToken: token);
                return pods.Items.Count == 1 && pods.Items[0].Metadata.DeletionTimestamp is null
                    && pods.Items[0].Metadata.Labels.TryGetValue("controller-revision-hash", out var r) && r == revision;
            }, Wait.Default, ct);
            await client.CoreV1.PatchNamespacedPodStatusAsync(
                new V1Patch("{\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}", V1Patch.PatchType.MergePatch),
                pod, ns, cancellationToken: ct);
        }
    }

    public static async Task<ProcessRunner.Result> KubectlAsync(KubeTestCluster cluster, CancellationToken ct, params string[] args) =>
        await ProcessRunner.RunAsync("kubectl", ["--kubeconfig", cluster.KubeconfigPath, .. args], TimeSpan.FromSeconds(60), ct);
}
