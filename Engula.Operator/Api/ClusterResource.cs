namespace Engula.Operator.Api;

/// <summary>A <c>Cluster</c> custom resource.</summary>
internal sealed class ClusterResource() : EngulaResource<ClusterSpec, ClusterStatus>("Cluster");
