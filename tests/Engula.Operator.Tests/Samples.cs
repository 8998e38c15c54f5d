using Engula.Operator.Api;

namespace Engula.Operator.Tests;

/// <summary>The original sample Cluster, applied with kubectl and driven to Ready by marking its pods Ready in bootstrap order.</summary>
internal static class Samples
{
    public static string SamplePath => Path.Combine(RepositoryPaths.Root, "deploy", "operator", "samples", "cluster_v1alpha1_cluster.yaml");

    /// <summary><c>kubectl apply</c> of the sample Cluster, as a user would.</summary>
    public static async Task ApplyAsync(KubeTestCluster cluster, string ns, CancellationToken ct)
    {
        var result = await Kube.KubectlAsync(cluster, ct, "apply", "-n", ns, "-f", SamplePath);
        Assert.True(result.ExitCode == 0, result.StandardError);
    }

    public static async Task ReadySampleAsync(KubeTestCluster cluster, string ns, CancellationToken ct, bool apply = true)
    {
        if (apply)
        {
            await ApplyAsync(cluster, ns, ct);
        }

        foreach (var kind in new[] { ResourceKind.Journal, ResourceKind.Storage, ResourceKind.Kernel, ResourceKind.Engine })
        {
            await Kube.MarkPodsReadyAsync(cluster.Client, ns, "cluster-sample-" + kind.Singular(), 1, ct);
        }

        await Wait.ForAsync("Cluster Ready", async t =>
        {
            var sample = await Kube.ClusterAsync(cluster.Client, ns, "cluster-sample", t);
            return (Kube.Condition(sample?.Status?.Conditions, "Ready")?.Status == "True", Kube.Describe(sample?.Status?.Conditions));
        }, Wait.Default, ct);
    }
}
