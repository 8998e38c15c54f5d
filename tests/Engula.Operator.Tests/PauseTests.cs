using Engula.Operator.Api;
using k8s;
using k8s.Models;

namespace Engula.Operator.Tests;

/// <summary>
/// <c>cluster.engula.io/paused: "true"</c> on a Cluster or a component: the operator writes nothing for it (status
/// aside) and says <c>ReconciliationPaused</c>; removing the annotation resumes.
/// </summary>
[Collection(KubeCollection.Name)]
public sealed class PauseTests(KubeTestCluster cluster)
{
    private const string Paused = "cluster.engula.io/paused";

    [Fact]
    public async Task A_paused_Cluster_creates_nothing_until_resumed_and_a_paused_component_is_left_alone()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = cluster.Client;
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        await using var op = await RunningOperator.StartAsync(cluster, ns.Name, ct);

        // The original sample, paused from the start.
        var apply = await Kube.KubectlAsync(cluster, ct, "create", "-n", ns.Name, "-f", Samples.SamplePath, "--dry-run=client", "-o", "json");
        Assert.True(apply.ExitCode == 0, apply.StandardError);
        var sample = System.Text.Json.Nodes.JsonNode.Parse(apply.StandardOutput)!;
        sample["metadata"]!["annotations"] = new System.Text.Json.Nodes.JsonObject { [Paused] = "true" };
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(
            System.Text.Json.JsonDocument.Parse(sample.ToJsonString()).RootElement, EngulaApi.Group, EngulaApi.Version, ns.Name, "clusters", cancellationToken: ct);

        await WaitForClusterProgressingAsync(ns.Name, "ReconciliationPaused", ct);
        await op.ReconcileEverythingAsync(ct);
        Assert.Empty((await client.CustomObjects.ListNamespacedCustomObjectAsync<ResourceList<ComponentResource>>(
            EngulaApi.Group, EngulaApi.Version, ns.Name, ResourceKind.Journal.Plural(), cancellationToken: ct)).Items);
        Assert.Empty((await client.AppsV1.ListNamespacedStatefulSetAsync(ns.Name, cancellationToken: ct)).Items);

        // Resumed: the journal and storage appear (the kernel waits for them to be Ready, as always).
        await PatchAnnotationAsync("clusters", "cluster-sample", ns.Name, null, ct);
        await Wait.ForAsync("the journal's StatefulSet exists", async t => await Kube.StatefulSetAsync(client, ns.Name, "cluster-sample-journal", t) is not null, Wait.Default, ct);

        // A paused component is left alone: its Service, deleted by hand, is not re-created until it is resumed.
        await PatchAnnotationAsync("journals", "cluster-sample-journal", ns.Name, "true", ct);
        await Kube.WaitForConditionAsync(client, ResourceKind.Journal, ns.Name, "cluster-sample-journal", "Progressing", "False", "ReconciliationPaused", ct);
        try
        {
            await client.CoreV1.DeleteNamespacedServiceAsync("cluster-sample-journal", ns.Name, cancellationToken: ct);
        }
        catch (System.Text.Json.JsonException)
        {
            // Kubernetes 1.20 answers a Service deletion with a Status the typed client cannot read as a Service; the
            // deletion happened (the wait below checks).
        }

        await Wait.ForAsync("the Service is gone", async t =>
            (await client.CoreV1.ListNamespacedServiceAsync(ns.Name, fieldSelector: "metadata.name=cluster-sample-journal", cancellationToken: t)).Items.Count == 0, Wait.Default, ct);
        await op.ReconcileEverythingAsync(ct);
        Assert.Empty((await client.CoreV1.ListNamespacedServiceAsync(ns.Name, fieldSelector: "metadata.name=cluster-sample-journal", cancellationToken: ct)).Items);

        await PatchAnnotationAsync("journals", "cluster-sample-journal", ns.Name, null, ct);
        await Wait.ForAsync("the Service is back", async t =>
            (await client.CoreV1.ListNamespacedServiceAsync(ns.Name, fieldSelector: "metadata.name=cluster-sample-journal", cancellationToken: t)).Items.Count == 1, Wait.Default, ct);
        Assert.Equal(0, op.Metrics.Errors);
    }

    private async Task WaitForClusterProgressingAsync(string ns, string reason, CancellationToken ct) =>
        await Wait.ForAsync($"Cluster Progressing {reason}", async t =>
        {
            var sample = await Kube.ClusterAsync(cluster.Client, ns, "cluster-sample", t);
            return (Kube.Condition(sample?.Status?.Conditions, "Progressing")?.Reason == reason, Kube.Describe(sample?.Status?.Conditions));
        }, Wait.Default, ct);

    /// <summary>Sets (or, with null, removes) the paused annotation with a merge patch.</summary>
    private async Task PatchAnnotationAsync(string plural, string name, string ns, string? value, CancellationToken ct)
    {
        string body = value is null
            ? $"{{\"metadata\":{{\"annotations\":{{\"{Paused}\":null}}}}}}"
            : $"{{\"metadata\":{{\"annotations\":{{\"{Paused}\":\"{value}\"}}}}}}";
        await cluster.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(body, V1Patch.PatchType.MergePatch), EngulaApi.Group, EngulaApi.Version, ns, plural, name, cancellationToken: ct);
    }
}
