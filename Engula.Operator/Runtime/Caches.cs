namespace Engula.Operator.Runtime;

/// <summary>The informers' caches the reconcilers read (no GET per reconcile for these kinds).</summary>
internal sealed class Caches
{
    public required Informer<ClusterResource> Clusters { get; init; }

    public required IReadOnlyDictionary<ResourceKind, Informer<ComponentResource>> Components { get; init; }

    public required Informer<V1StatefulSet> StatefulSets { get; init; }

    public required Informer<V1Service> Services { get; init; }

    public required Informer<V1Pod> Pods { get; init; }

    public IEnumerable<Task> AllSynced =>
        [Clusters.Synced, .. Components.Values.Select(i => i.Synced), StatefulSets.Synced, Services.Synced, Pods.Synced];

    /// <summary>
    /// The component resources (journal, storage, kernel, engine) of one Engula cluster: same namespace and same
    /// <c>app.kubernetes.io/instance</c> label (or all without the label, for component resources made by hand).
    /// </summary>
    public List<ComponentResource> ClusterMembers(string ns, string? instance) =>
    [
        .. ResourceKinds.Components
            .Where(k => k != ResourceKind.Background)
            .SelectMany(k => Components[k].Items)
            .Where(r => r.Metadata.NamespaceProperty == ns && Instance(r) == instance && r.Metadata.DeletionTimestamp is null),
    ];

    public static string? Instance(IKubernetesObject<V1ObjectMeta> obj) =>
        obj.Metadata.Labels is { } labels && labels.TryGetValue(EngulaLabels.Instance, out var value) ? value : null;
}
