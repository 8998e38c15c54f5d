namespace Engula.Kubernetes;

/// <summary>
/// Where a component's pods may run and what extra metadata they carry: the pod-level settings a platform team
/// sets per cluster (dedicated nodes, spreading across zones, priority) without the builders knowing why. Every
/// field is optional; an absent field leaves the pod spec as the builders make it.
/// </summary>
public sealed record EngulaPodSettings
{
    /// <summary>Node labels a node must have to run the pods (<c>nodeSelector</c>).</summary>
    public IReadOnlyDictionary<string, string>? NodeSelector { get; init; }

    /// <summary>Taints the pods tolerate (<c>tolerations</c>), e.g. of nodes reserved for storage.</summary>
    public IReadOnlyList<V1Toleration>? Tolerations { get; init; }

    /// <summary>Node, pod and pod anti-affinity, passed to the pod spec as given (the API server validates it).</summary>
    public V1Affinity? Affinity { get; init; }

    /// <summary>
    /// How the pods spread across topology domains (zones, nodes). A constraint without a <c>labelSelector</c> gets
    /// the component's own pod selector: spreading a component's pods is what such a constraint nearly always means,
    /// and the selector's labels are the builders' to know.
    /// </summary>
    public IReadOnlyList<V1TopologySpreadConstraint>? TopologySpreadConstraints { get; init; }

    /// <summary>A PriorityClass for the pods (<c>priorityClassName</c>); it must exist when the pods are created.</summary>
    public string? PriorityClassName { get; init; }

    /// <summary>
    /// Extra labels on the pods only (not on the StatefulSet, Service or other objects, and never in a selector);
    /// the <c>app.kubernetes.io/</c> labels the builders set are rejected. Labels on every object: <see cref="EngulaComponent.Labels"/>.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>Annotations on the pods (e.g. for a service mesh or a backup tool). A change rolls the pods.</summary>
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}
