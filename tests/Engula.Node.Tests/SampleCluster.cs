using System.Diagnostics;
using k8s;
using k8s.Models;

namespace Engula.Node.Tests;

/// <summary>The four components of one Engula cluster in a namespace, by pod name, and what the tests do with them.</summary>
internal sealed class SampleCluster(KubeNode node, string ns, string prefix)
{
    /// <summary>The engine's HTTP port in the sample and the published manifests: the builders' default.</summary>
    public static readonly int EnginePort = EngulaComponents.DefaultPort(EngulaComponentKind.Engine);

    public string Namespace => ns;

    public string Pod(string component) => $"{prefix}{component}-0";

    /// <summary>The engine's address as the original README used it: its pod's name under its headless Service.</summary>
    public string EngineHost => $"{prefix}engine-0.{prefix}engine";

    public IReadOnlyList<string> AllPods => [Pod("journal"), Pod("storage"), Pod("kernel"), Pod("engine")];

    public Task<Dictionary<string, V1Pod>> WaitReadyAsync(CancellationToken ct, TimeSpan? timeout = null) =>
        Pods.WaitReadyAsync(node, ns, AllPods, timeout ?? TimeSpan.FromSeconds(240), ct);

    /// <summary>The original sample Cluster (deploy/operator/samples), applied with kubectl into <paramref name="ns"/>.</summary>
    public static async Task<(SampleCluster Cluster, TimeSpan ApplyToReady, Dictionary<string, V1Pod> Pods)> ApplySampleAsync(KubeNode node, string ns, CancellationToken ct)
    {
        await EnsureNamespaceAsync(node, ns, ct);
        var sample = new SampleCluster(node, ns, "cluster-sample-");
        var started = Stopwatch.GetTimestamp();
        await Kubectl.RunAsync(node, ct, "apply", "-n", ns, "-f", Path.Combine(RepositoryPaths.Root, "deploy", "operator", "samples", "cluster_v1alpha1_cluster.yaml"));
        var pods = await sample.WaitReadyAsync(ct);
        return (sample, Stopwatch.GetElapsedTime(started), pods);
    }

    public static Task EnsureNamespaceAsync(KubeNode node, string ns, CancellationToken ct) =>
        IgnoreConflictAsync(() => node.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } }, cancellationToken: ct));

    /// <summary>A create that may find its object already there (an earlier test of the run made it).</summary>
    public static async Task IgnoreConflictAsync<T>(Func<Task<T>> create)
    {
        try
        {
            await create();
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
        }
    }
}
