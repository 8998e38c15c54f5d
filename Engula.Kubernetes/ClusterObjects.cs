namespace Engula.Kubernetes;

/// <summary>Every object of one Engula cluster.</summary>
public sealed class ClusterObjects
{
    internal ClusterObjects(V1ServiceAccount serviceAccount, IReadOnlyList<ComponentObjects> components)
    {
        ServiceAccount = serviceAccount;
        Components = components;
    }

    /// <summary>The cluster's ServiceAccount (no token mounted); every pod of the cluster runs as it.</summary>
    public V1ServiceAccount ServiceAccount { get; }

    /// <summary>The components' objects, in bootstrap order (journal, storage, kernel, engine).</summary>
    public IReadOnlyList<ComponentObjects> Components { get; }

    /// <summary>Every object: the ServiceAccount first (pods cannot be created before it), then each component's.</summary>
    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> All =>
        [ServiceAccount, .. Components.SelectMany(c => c.All)];
}
