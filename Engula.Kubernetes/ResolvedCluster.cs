namespace Engula.Kubernetes;

/// <summary>A validated cluster: components sorted in bootstrap order, each with its defaults filled in.</summary>
internal sealed record ResolvedCluster(EngulaCluster Spec, string Instance, IReadOnlyList<ResolvedComponent> Components)
{
    /// <summary>The ServiceAccount every pod runs as (the original's <c>&lt;cluster&gt;-sa</c>).</summary>
    public string ServiceAccountName => Instance + "-sa";

    public ResolvedComponent? Find(EngulaComponentKind kind) => Components.FirstOrDefault(c => c.Kind == kind);

    /// <summary>
    /// The original env var <c>kubecluster</c>: the original images dial <c>&lt;kubecluster&gt;-&lt;peer&gt;</c>, so it is
    /// only meaningful when every journal/storage/kernel Service is named that way. Otherwise (no cluster name,
    /// or custom names) no value could be right, and it is left out: a reader that needs it then fails at
    /// startup on a missing variable instead of dialing a wrong Service. Our server reads <c>ENGULA_*</c> first.
    /// </summary>
    public string? KubeCluster =>
        Spec.Name is { } name && Components.Where(c => c.Kind != EngulaComponentKind.Engine)
            .All(c => c.Name == $"{name}-{c.KindName}")
            ? name
            : null;
}
