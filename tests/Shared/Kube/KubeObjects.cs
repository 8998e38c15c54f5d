using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Engula.Testing.Kube;

/// <summary>
/// What the builder and publisher tests do with objects on the test API server: server-side apply of the kinds the
/// builders make (the PodDisruptionBudget as <c>policy/v1beta1</c> on servers before 1.21, same spec), and waiting
/// for the StatefulSets' pods (kube-controller-manager creates them; there is no kubelet to run them).
/// </summary>
internal static class KubeObjects
{
    public static readonly TimeSpan PodTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Server-side apply with <paramref name="fieldManager"/>; an API error names the object and the server's answer.</summary>
    public static async Task<V1ObjectMeta> ApplyAsync(this KubeTestCluster cluster, IKubernetesObject<V1ObjectMeta> obj, string ns, string fieldManager, CancellationToken ct)
    {
        var client = cluster.Client;
        string name = obj.Metadata.Name;
        try
        {
            return obj switch
            {
                V1ServiceAccount sa => (await client.CoreV1.PatchNamespacedServiceAccountAsync(Apply(sa), name, ns, fieldManager: fieldManager, force: true, cancellationToken: ct)).Metadata,
                V1Service svc => (await client.CoreV1.PatchNamespacedServiceAsync(Apply(svc), name, ns, fieldManager: fieldManager, force: true, cancellationToken: ct)).Metadata,
                V1StatefulSet sts => (await client.AppsV1.PatchNamespacedStatefulSetAsync(Apply(sts), name, ns, fieldManager: fieldManager, force: true, cancellationToken: ct)).Metadata,
                V1NetworkPolicy np => (await client.NetworkingV1.PatchNamespacedNetworkPolicyAsync(Apply(np), name, ns, fieldManager: fieldManager, force: true, cancellationToken: ct)).Metadata,
                V1PodDisruptionBudget pdb when cluster.HasPolicyV1 =>
                    (await client.PolicyV1.PatchNamespacedPodDisruptionBudgetAsync(Apply(pdb), name, ns, fieldManager: fieldManager, force: true, cancellationToken: ct)).Metadata,
                // 1.20 has no policy/v1; the spec is the same in v1beta1, and the generic CustomObjects client can apply it.
                V1PodDisruptionBudget pdb => (await client.CustomObjects.PatchNamespacedCustomObjectAsync<V1PodDisruptionBudget>(
                    Apply(pdb with { ApiVersion = "policy/v1beta1" }), "policy", "v1beta1", ns, "poddisruptionbudgets", name,
                    fieldManager: fieldManager, force: true, cancellationToken: ct)).Metadata,
                _ => throw new InvalidOperationException($"no apply for {obj.Kind}"),
            };
        }
        catch (HttpOperationException e)
        {
            throw new InvalidOperationException($"apply of {obj.ApiVersion} {obj.Kind}/{name} failed: {(int)e.Response.StatusCode} {e.Response.Content}", e);
        }
    }

    /// <summary>List, then watch from the list's resourceVersion, until every named pod exists (bounded by <see cref="PodTimeout"/>).</summary>
    public static async Task<Dictionary<string, V1Pod>> WaitForPodsAsync(this KubeTestCluster cluster, string ns, IReadOnlyCollection<string> names, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(PodTimeout);
        var found = new Dictionary<string, V1Pod>();
        try
        {
            var list = await cluster.Client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: timeout.Token);
            foreach (var pod in list.Items.Where(p => names.Contains(p.Metadata.Name)))
            {
                found[pod.Metadata.Name] = pod;
            }

            string resourceVersion = list.Metadata.ResourceVersion;
            while (found.Count < names.Count)
            {
                Exception? watchError = null;
                var events = cluster.Client.CoreV1.WatchListNamespacedPodAsync(
                    ns, resourceVersion: resourceVersion, timeoutSeconds: 30, onError: e => watchError = e, cancellationToken: timeout.Token);
                await foreach (var (type, pod) in events)
                {
                    resourceVersion = pod.Metadata.ResourceVersion;
                    if (type is WatchEventType.Added or WatchEventType.Modified && names.Contains(pod.Metadata.Name))
                    {
                        found[pod.Metadata.Name] = pod;
                        if (found.Count == names.Count)
                        {
                            break;
                        }
                    }
                }

                if (watchError is not null)
                {
                    throw new InvalidOperationException("pod watch failed", watchError);
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"pods {string.Join(", ", names.Except(found.Keys))} not created within {PodTimeout.TotalSeconds} s (is kube-controller-manager running?)");
        }

        return found;
    }

    private static V1Patch Apply(object body) => new(body, V1Patch.PatchType.ApplyPatch);
}
