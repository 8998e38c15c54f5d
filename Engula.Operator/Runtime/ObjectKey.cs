namespace Engula.Operator.Runtime;

/// <summary>What the work queue holds: one custom resource to reconcile.</summary>
internal readonly record struct ObjectKey(ResourceKind Kind, string Namespace, string Name)
{
    public override string ToString() => $"{Kind}/{Namespace}/{Name}";
}
