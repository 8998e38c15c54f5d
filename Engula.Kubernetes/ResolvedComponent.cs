namespace Engula.Kubernetes;

/// <summary>A validated component with its defaults filled in.</summary>
internal sealed record ResolvedComponent(
    EngulaComponent Spec,
    string Field,
    string Name,
    int Port,
    int? AdminPort,
    ResourceQuantity? StorageSize,
    IReadOnlyList<string> StorageAccessModes)
{
    public EngulaComponentKind Kind => Spec.Kind;

    /// <summary>Lower-case kind: the CLI subcommand and the <c>app.kubernetes.io/component</c> label.</summary>
    public string KindName => EngulaComponents.Name(Spec.Kind);

    public bool HasVolume => Spec.Kind != EngulaComponentKind.Engine;
}
