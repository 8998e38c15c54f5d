namespace Engula.Operator.Api;

/// <summary>The API group, version and kinds of the operator's custom resources (the original operator's).</summary>
internal static class EngulaApi
{
    public const string Group = "cluster.engula.io";
    public const string Version = "v1alpha1";
    public const string ApiVersion = Group + "/" + Version;

    /// <summary>Field manager of spec applies.</summary>
    public const string FieldManager = "engula-operator";

    /// <summary>Field manager of status applies: a separate one, or Kubernetes 1.20 flips field ownership between
    /// spec and status on every apply.</summary>
    public const string StatusFieldManager = "engula-operator-status";

    /// <summary>The <c>app.kubernetes.io/managed-by</c> value of everything the operator creates.</summary>
    public const string ManagedBy = "engula-operator";

    /// <summary>
    /// On a component resource: the Cluster's <c>spec.&lt;component&gt;.replicas</c> that was last applied to it. The
    /// Cluster's value is applied again only when it differs from this, so a <c>kubectl scale</c> on the component
    /// resource stays in force until the Cluster's field changes: the last change wins.
    /// </summary>
    public const string ClusterReplicasAnnotation = "cluster.engula.io/cluster-replicas";

    /// <summary>
    /// <c>"true"</c> on a Cluster or a component resource: the operator writes nothing for it (no component resource,
    /// StatefulSet, Service or other object is created, changed or deleted) until the annotation is removed or set to
    /// anything else; its status says <c>ReconciliationPaused</c>. On a Cluster it pauses the Cluster's components too.
    /// </summary>
    public const string PausedAnnotation = "cluster.engula.io/paused";

    /// <summary>Whether <paramref name="metadata"/> carries <see cref="PausedAnnotation"/> = <c>true</c> (any case).</summary>
    public static bool IsPaused(k8s.Models.V1ObjectMeta? metadata) =>
        metadata?.Annotations is { } annotations && annotations.TryGetValue(PausedAnnotation, out var value)
        && string.Equals(value?.Trim(), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The condition reason (on Progressing) of a paused resource.</summary>
    public const string PausedReason = "ReconciliationPaused";
}
