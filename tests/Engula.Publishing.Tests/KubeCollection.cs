namespace Engula.Publishing.Tests;

/// <summary>Tests against the real API server share one <see cref="KubeTestCluster"/> per test run.</summary>
[CollectionDefinition(Name)]
public sealed class KubeCollection : ICollectionFixture<KubeTestCluster>
{
    public const string Name = "kube-apiserver";
}
