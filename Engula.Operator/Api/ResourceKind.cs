namespace Engula.Operator.Api;

/// <summary>The six kinds of cluster.engula.io/v1alpha1.</summary>
internal enum ResourceKind
{
    Cluster,
    Journal,
    Storage,
    Kernel,
    Engine,
    Background,
}
