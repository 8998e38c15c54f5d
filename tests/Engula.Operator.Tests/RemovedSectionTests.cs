using Engula.Operator.Api;
using k8s;
using k8s.Models;

namespace Engula.Operator.Tests;

/// <summary>The Cluster is the source of truth: a section removed from it removes that component, and nothing else.</summary>
[Collection(KubeCollection.Name)]
public sealed class RemovedSectionTests(KubeTestCluster cluster)
{
    [Fact]
    public async Task Removing_the_engine_section_deletes_the_Engine_resource_and_keeps_the_other_components()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = cluster.Client;
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        await using var op = await RunningOperator.StartAsync(cluster, ns.Name, ct);
        await Samples.ApplyAsync(cluster, ns.Name, ct);
        await Wait.ForAsync("the Engine resource", async t => await Kube.ComponentAsync(client, ResourceKind.Engine, ns.Name, "cluster-sample-engine", t) is not null, Wait.Default, ct);

        // A namesake of another section that this Cluster does not control must survive the clean-up.
        string foreign = $"{{\"apiVersion\":\"{EngulaApi.ApiVersion}\",\"kind\":\"Background\",\"metadata\":{{\"name\":\"cluster-sample-background\"}},\"spec\":{{}}}}";
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(System.Text.Json.JsonDocument.Parse(foreign).RootElement, EngulaApi.Group, EngulaApi.Version, ns.Name, "backgrounds", cancellationToken: ct);

        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("{\"spec\":{\"engine\":null}}", V1Patch.PatchType.MergePatch), EngulaApi.Group, EngulaApi.Version, ns.Name, "clusters", "cluster-sample", cancellationToken: ct);

        await Wait.ForAsync("the Engine resource to be deleted", async t => await Kube.ComponentAsync(client, ResourceKind.Engine, ns.Name, "cluster-sample-engine", t) is null, Wait.Default, ct);
        foreach (var kind in new[] { ResourceKind.Journal, ResourceKind.Storage, ResourceKind.Kernel, ResourceKind.Background })
        {
            Assert.NotNull(await Kube.ComponentAsync(client, kind, ns.Name, "cluster-sample-" + kind.Singular(), ct));
        }

        var events = await client.CoreV1.ListNamespacedEventAsync(ns.Name, cancellationToken: ct);
        Assert.Contains(events.Items, e => e.InvolvedObject.Kind == "Cluster" && e.Reason == "Removed" && e.Message.Contains("cluster-sample-engine", StringComparison.Ordinal));
        Assert.Equal(0, op.Metrics.Errors);
    }
}
