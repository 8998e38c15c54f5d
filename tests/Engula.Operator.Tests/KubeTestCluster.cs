using k8s;

namespace Engula.Operator.Tests;

/// <summary>The shared real API server fixture, with the operator's committed CRDs (deploy/operator/crds.yaml)
/// installed before any test.</summary>
public sealed class KubeTestCluster : Engula.Testing.Kube.KubeTestCluster
{
    protected override Task OnReadyAsync(IKubernetes client) => CrdInstaller.InstallAsync(client, CancellationToken.None);
}
