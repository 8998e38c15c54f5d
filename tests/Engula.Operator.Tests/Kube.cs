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
    /// Marks the StatefulSet's pods Ready once each runs its current template (see <see cref="MarkPodOnUpdateRevisionAsync"/>).
    /// </summary>
    public static async Task MarkPodsReadyOnUpdateRevisionAsync(IKubernetes client, string ns, string statefulSet, int count, CancellationToken ct)
    {
        for (int i = 0; i < count; i++)
        {
            await MarkPodOnUpdateRevisionAsync(client, ns, statefulSet, i, ready: true, ct);
        }
    }

    /// <summary>
    /// Marks pod <paramref name="ordinal"/> Running, Ready or not (what the kubelet of a crash-looping pod reports), once
    /// the StatefulSet controller has seen the latest template and moved that pod to the update revision. The caller
    /// must have seen its template change applied first, or the update revision may still be the previous one.
    /// </summary>
    public static async Task MarkPodOnUpdateRevisionAsync(IKubernetes client, string ns, string statefulSet, int ordinal, bool ready, CancellationToken ct)
    {
        string pod = $"{statefulSet}-{ordinal}";
        await Wait.ForAsync($"pod {pod} on the update revision", async t =>
        {
            var set = await client.AppsV1.ReadNamespacedStatefulSetAsync(statefulSet, ns, cancellationToken: t);
            var pods = await client.CoreV1.ListNamespacedPodAsync(ns, fieldSelector: "metadata.name=" + pod, cancellationToken: t);
            return set.Status?.ObservedGeneration >= set.Metadata.Generation && pods.Items.Count == 1 && pods.Items[0].Metadata.DeletionTimestamp is null
                && pods.Items[0].Metadata.Labels.TryGetValue("controller-revision-hash", out var r) && r == set.Status.UpdateRevision;
        }, Wait.Default, ct);
        await client.CoreV1.PatchNamespacedPodStatusAsync(
            new V1Patch($"{{\"status\":{{\"phase\":\"Running\",\"conditions\":[{{\"type\":\"Ready\",\"status\":\"{(ready ? "True" : "False")}\"}}]}}}}", V1Patch.PatchType.MergePatch),
            pod, ns, cancellationToken: ct);
    }

    /// <summary>Waits until the Cluster is Ready with nothing in progress: only then is a steady-state write count meaningful.</summary>
    public static Task WaitForClusterSettledAsync(IKubernetes client, string ns, string name, CancellationToken ct) =>
        Wait.ForAsync($"Cluster {name} Ready with nothing in progress", async t =>
        {
            var conditions = (await ClusterAsync(client, ns, name, t))?.Status?.Conditions;
            return (Condition(conditions, "Ready")?.Status == "True" && Condition(conditions, "Progressing")?.Status == "False", Describe(conditions));
        }, Wait.Default, ct);

    /// <summary>Waits until the StatefulSet exists; returns it.</summary>
    public static async Task<V1StatefulSet> WaitForStatefulSetAsync(IKubernetes client, string ns, string name, CancellationToken ct)
    {
        V1StatefulSet? set = null;
        await Wait.ForAsync($"StatefulSet {name}", async t => (set = await StatefulSetAsync(client, ns, name, t)) is not null, Wait.Default, ct);
        return set!;
    }

    /// <summary>Creates a custom resource of this API from its spec as JSON text (as a user's manifest would).</summary>
    public static async Task CreateAsync(IKubernetes client, string plural, string kind, string name, string spec, string ns, CancellationToken ct)
    {
        string body = $"{{\"apiVersion\":\"{EngulaApi.ApiVersion}\",\"kind\":\"{kind}\",\"metadata\":{{\"name\":\"{name}\"}},\"spec\":{spec}}}";
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(System.Text.Json.JsonDocument.Parse(body).RootElement, EngulaApi.Group, EngulaApi.Version, ns, plural, cancellationToken: ct);
    }

    public static async Task<ProcessRunner.Result> KubectlAsync(KubeTestCluster cluster, CancellationToken ct, params string[] args) =>
        await ProcessRunner.RunAsync("kubectl", ["--kubeconfig", cluster.KubeconfigPath, .. args], TimeSpan.FromSeconds(60), ct);
}
