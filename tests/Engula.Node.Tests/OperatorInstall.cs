using System.Diagnostics;
using Engula.Operator.Manifests;
using k8s;

namespace Engula.Node.Tests;

/// <summary>deploy/operator/install.yaml applied unchanged with kubectl; the operator's pods run the image this checkout builds.</summary>
public sealed class OperatorInstall
{
    public static string InstallYaml => Path.Combine(RepositoryPaths.Root, "deploy", "operator", "install.yaml");

    /// <summary>From <c>kubectl apply</c> to the Deployment's replicas all available (measured once per run).</summary>
    public TimeSpan ApplyToAvailable { get; private init; }

    internal static async Task<OperatorInstall> ApplyAsync(KubeNode node, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        await Kubectl.RunAsync(node, ct, "apply", "-f", InstallYaml);
        await WaitAvailableAsync(node, ct);
        return new OperatorInstall { ApplyToAvailable = Stopwatch.GetElapsedTime(started) };
    }

    /// <summary>Both replicas of the operator's Deployment Ready (the leader with synced caches, the standby waiting).</summary>
    public static Task WaitAvailableAsync(KubeNode node, CancellationToken ct) =>
        Poll.UntilAsync("the operator Deployment available", async token =>
        {
            var d = await node.Client.AppsV1.ReadNamespacedDeploymentAsync(InstallManifests.Name, InstallManifests.Namespace, cancellationToken: token);
            var pods = await node.Client.CoreV1.ListNamespacedPodAsync(InstallManifests.Namespace, cancellationToken: token);
            bool done = d.Status?.AvailableReplicas == d.Spec.Replicas && d.Status?.UpdatedReplicas == d.Spec.Replicas
                && pods.Items.Count(p => Pods.IsReady(p) && p.Metadata.DeletionTimestamp is null) == d.Spec.Replicas;
            return (done, string.Join("; ", pods.Items.Select(p => $"{p.Metadata.Name}: {Pods.Describe(p)}")));
        }, TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(250), ct);

    /// <summary>The Lease's holder: the leading operator pod's name.</summary>
    public static async Task<string?> LeaderAsync(KubeNode node, CancellationToken ct)
    {
        try
        {
            var lease = await node.Client.CoordinationV1.ReadNamespacedLeaseAsync(InstallManifests.LeaseName, InstallManifests.Namespace, cancellationToken: ct);
            return lease.Spec?.HolderIdentity;
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
