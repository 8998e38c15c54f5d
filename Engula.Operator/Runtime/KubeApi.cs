using System.Text.Json.Nodes;
using k8s.Autorest;

namespace Engula.Operator.Runtime;

/// <summary>
/// The operator's writes: server-side apply with the operator's field managers, and Events. Every write is counted
/// (<see cref="OperatorMetrics.Wrote"/>), so "zero writes in steady state" can be seen on <c>/metrics</c>.
/// </summary>
internal sealed class KubeApi(IKubernetes client, OperatorMetrics metrics, string instance)
{
    public async Task<ComponentResource> ApplyComponentAsync(ResourceKind kind, ComponentResource body, CancellationToken ct)
    {
        metrics.Wrote(kind.Plural());
        return await client.CustomObjects.PatchNamespacedCustomObjectAsync<ComponentResource>(
            new V1Patch(body, V1Patch.PatchType.ApplyPatch), EngulaApi.Group, EngulaApi.Version, body.Metadata.NamespaceProperty,
            kind.Plural(), body.Metadata.Name, fieldManager: EngulaApi.FieldManager, force: true, cancellationToken: ct);
    }

    /// <summary>
    /// Deletes a component resource, preconditioned on its uid (never a namesake created meanwhile), in the
    /// background: the garbage collector then removes its StatefulSet and Service; the StatefulSet's volume claims stay.
    /// </summary>
    public async Task DeleteComponentAsync(ResourceKind kind, string ns, string name, string uid, CancellationToken ct)
    {
        metrics.Wrote(kind.Plural());
        try
        {
            await client.CustomObjects.DeleteNamespacedCustomObjectAsync(
                EngulaApi.Group, EngulaApi.Version, ns, kind.Plural(), name,
                new V1DeleteOptions { PropagationPolicy = "Background", Preconditions = new V1Preconditions { Uid = uid } },
                cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Conflict)
        {
            // Already gone, or replaced by another object of that name: nothing of ours to delete.
        }
    }

    /// <summary>
    /// Deletes a pod the StatefulSet controller will not replace by itself (a pod of an abandoned revision that never
    /// became Ready), preconditioned on its uid so that a pod re-created under the same name is left alone.
    /// </summary>
    public async Task DeletePodAsync(string ns, string name, string uid, CancellationToken ct)
    {
        metrics.Wrote("pods");
        try
        {
            await client.CoreV1.DeleteNamespacedPodAsync(name, ns, new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = uid } }, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Conflict)
        {
            // Already gone or replaced.
        }
    }

    /// <summary>Applies only the status (a separate field manager: with one, Kubernetes 1.20 flips
    /// field ownership on every apply).</summary>
    public async Task ApplyStatusAsync(ResourceKind kind, string ns, string name, object status, CancellationToken ct)
    {
        metrics.Wrote(kind.Plural() + "/status");
        var body = new JsonObject
        {
            ["apiVersion"] = EngulaApi.ApiVersion,
            ["kind"] = kind.KindName(),
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["status"] = JsonNode.Parse(KubernetesJson.Serialize(status)),
        };
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(body.ToJsonString(), V1Patch.PatchType.ApplyPatch), EngulaApi.Group, EngulaApi.Version, ns, kind.Plural(), name,
            fieldManager: EngulaApi.StatusFieldManager, force: true, cancellationToken: ct);
    }

    public async Task<V1Service> ApplyServiceAsync(V1Service service, CancellationToken ct)
    {
        metrics.Wrote("services");
        return await client.CoreV1.PatchNamespacedServiceAsync(new V1Patch(service, V1Patch.PatchType.ApplyPatch), service.Metadata.Name,
            service.Metadata.NamespaceProperty, fieldManager: EngulaApi.FieldManager, force: true, cancellationToken: ct);
    }

    public async Task<V1StatefulSet> ApplyStatefulSetAsync(V1StatefulSet statefulSet, CancellationToken ct)
    {
        metrics.Wrote("statefulsets");
        return await client.AppsV1.PatchNamespacedStatefulSetAsync(new V1Patch(statefulSet, V1Patch.PatchType.ApplyPatch), statefulSet.Metadata.Name,
            statefulSet.Metadata.NamespaceProperty, fieldManager: EngulaApi.FieldManager, force: true, cancellationToken: ct);
    }

    /// <summary>
    /// Deletes a StatefulSet but not its pods (orphan propagation), preconditioned on its uid: the way to change its
    /// immutable claim templates, after which it is created again and adopts the running pods unchanged.
    /// </summary>
    public async Task OrphanStatefulSetAsync(V1StatefulSet statefulSet, CancellationToken ct)
    {
        metrics.Wrote("statefulsets");
        try
        {
            await client.AppsV1.DeleteNamespacedStatefulSetAsync(statefulSet.Metadata.Name, statefulSet.Metadata.NamespaceProperty,
                new V1DeleteOptions { PropagationPolicy = "Orphan", Preconditions = new V1Preconditions { Uid = statefulSet.Metadata.Uid } }, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Conflict)
        {
            // Already gone or replaced.
        }
    }

    /// <summary>The claim, or null when it does not exist.</summary>
    public async Task<V1PersistentVolumeClaim?> GetClaimAsync(string ns, string name, CancellationToken ct)
    {
        try
        {
            return await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(name, ns, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Raises a claim's storage request (the storage driver then grows the volume).</summary>
    public async Task ExpandClaimAsync(V1PersistentVolumeClaim claim, string size, CancellationToken ct)
    {
        metrics.Wrote("persistentvolumeclaims");
        string patch = "{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"" + size + "\"}}}}";
        await client.CoreV1.PatchNamespacedPersistentVolumeClaimAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), claim.Metadata.Name,
            claim.Metadata.NamespaceProperty, cancellationToken: ct);
    }

    /// <summary>The named StorageClass, or the cluster's default one when <paramref name="name"/> is null; null when there is none.</summary>
    public async Task<V1StorageClass?> StorageClassAsync(string? name, CancellationToken ct)
    {
        if (name is not null)
        {
            try
            {
                return await client.StorageV1.ReadStorageClassAsync(name, cancellationToken: ct);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return null;
            }
        }

        return (await client.StorageV1.ListStorageClassAsync(cancellationToken: ct)).Items
            .FirstOrDefault(c => c.Metadata.Annotations?.TryGetValue("storageclass.kubernetes.io/is-default-class", out var v) == true && v == "true");
    }

    public async Task ApplyServiceAccountAsync(V1ServiceAccount serviceAccount, CancellationToken ct)
    {
        metrics.Wrote("serviceaccounts");
        await client.CoreV1.PatchNamespacedServiceAccountAsync(new V1Patch(serviceAccount, V1Patch.PatchType.ApplyPatch), serviceAccount.Metadata.Name,
            serviceAccount.Metadata.NamespaceProperty, fieldManager: EngulaApi.FieldManager, force: true, cancellationToken: ct);
    }

    public async Task ApplyNetworkPolicyAsync(V1NetworkPolicy policy, CancellationToken ct)
    {
        metrics.Wrote("networkpolicies");
        await client.NetworkingV1.PatchNamespacedNetworkPolicyAsync(new V1Patch(policy, V1Patch.PatchType.ApplyPatch), policy.Metadata.Name,
            policy.Metadata.NamespaceProperty, fieldManager: EngulaApi.FieldManager, force: true, cancellationToken: ct);
    }

    /// <summary>Applies a PodDisruptionBudget as policy/<paramref name="version"/> (the spec is the same in v1beta1).</summary>
    public async Task ApplyPodDisruptionBudgetAsync(V1PodDisruptionBudget pdb, string version, CancellationToken ct)
    {
        metrics.Wrote("poddisruptionbudgets");
        pdb.ApiVersion = "policy/" + version;
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(pdb, V1Patch.PatchType.ApplyPatch), "policy", version,
            pdb.Metadata.NamespaceProperty, "poddisruptionbudgets", pdb.Metadata.Name, fieldManager: EngulaApi.FieldManager, force: true, cancellationToken: ct);
    }

    /// <summary>Applies a Prometheus Operator PodMonitor.</summary>
    public async Task ApplyPodMonitorAsync(PodMonitor monitor, CancellationToken ct)
    {
        metrics.Wrote(PodMonitor.Plural);
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(monitor, V1Patch.PatchType.ApplyPatch), PodMonitor.Group, PodMonitor.Version,
            monitor.Metadata.NamespaceProperty, PodMonitor.Plural, monitor.Metadata.Name, fieldManager: EngulaApi.FieldManager, force: true, cancellationToken: ct);
    }

    /// <summary>The live ServiceAccount, or null when absent.</summary>
    public async Task<V1ServiceAccount?> GetServiceAccountAsync(string ns, string name, CancellationToken ct)
    {
        try
        {
            return await client.CoreV1.ReadNamespacedServiceAccountAsync(name, ns, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// The live object of a named API group as JSON, or null when absent (or when the group is not served). JSON
    /// rather than a model type: the compare must see what the server holds for versions the client has no model of
    /// (policy/v1beta1, monitoring.coreos.com).
    /// </summary>
    public async Task<JsonNode?> GetAsync(string group, string version, string ns, string plural, string name, CancellationToken ct)
    {
        try
        {
            return await client.CustomObjects.GetNamespacedCustomObjectAsync<JsonNode>(group, version, ns, plural, name, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>A core/v1 Event about <paramref name="involved"/> (only on transitions, so a steady cluster writes none).</summary>
    public async Task EventAsync(IKubernetesObject<V1ObjectMeta> involved, string type, string reason, string message, CancellationToken ct)
    {
        metrics.Wrote("events");
        var now = DateTime.UtcNow;
        await client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { GenerateName = involved.Metadata.Name + ".", NamespaceProperty = involved.Metadata.NamespaceProperty },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = involved.ApiVersion,
                Kind = involved.Kind,
                Name = involved.Metadata.Name,
                NamespaceProperty = involved.Metadata.NamespaceProperty,
                Uid = involved.Metadata.Uid,
                ResourceVersion = involved.Metadata.ResourceVersion,
            },
            Type = type,
            Reason = reason,
            Message = message,
            Count = 1,
            FirstTimestamp = now,
            LastTimestamp = now,
            Source = new V1EventSource { Component = EngulaApi.ManagedBy },
            ReportingComponent = EngulaApi.ManagedBy,
            ReportingInstance = instance,
        }, involved.Metadata.NamespaceProperty, cancellationToken: ct);
    }
}
