namespace Engula.Kubernetes;

/// <summary>One Engula cluster: the components that find each other, and what they share.</summary>
public sealed record EngulaCluster
{
    /// <summary>
    /// The cluster's name, or null. When set it prefixes the default component names (<c>&lt;name&gt;-journal</c>),
    /// is the <c>app.kubernetes.io/instance</c> label and the original <c>kubecluster</c> env var. When null the
    /// components keep their bare names and the instance label is <c>engula</c>. A DNS-1035 label.
    /// </summary>
    public string? Name { get; init; }

    /// <summary>Namespace of every object, or null to leave it to the tool that applies them (kustomize, kubectl -n).</summary>
    public string? Namespace { get; init; }

    /// <summary>The <c>app.kubernetes.io/managed-by</c> label (default <c>engula</c>; the operator sets its own name).</summary>
    public string ManagedBy { get; init; } = "engula";

    /// <summary>Owner of the cluster-wide objects (the ServiceAccount), e.g. the operator's Cluster resource, or null.</summary>
    public V1OwnerReference? Owner { get; init; }

    /// <summary>
    /// The oldest Kubernetes version the objects must apply to, or null (the default) for current servers. It picks
    /// group-versions that changed: below 1.21 the PodDisruptionBudgets are <c>policy/v1beta1</c> (same spec; that
    /// version is gone from 1.25 on), otherwise <c>policy/v1</c> (<see cref="KubernetesVersion.PodDisruptionBudgetApiVersion"/>).
    /// At least <see cref="KubernetesVersion.OldestSupported"/> (1.20).
    /// </summary>
    public KubernetesVersion? TargetVersion { get; init; }

    /// <summary>The components, at most one of each kind; the kernel needs a journal and a storage, the engine a kernel.</summary>
    public IReadOnlyList<EngulaComponent> Components { get; init; } = [];
}
