using Engula.Operator.Api;
using k8s;
using k8s.Autorest;

namespace Engula.Operator.Tests;

/// <summary>Bad input: 422 from the schema where it can say so; otherwise a condition, no partial objects, no crash.</summary>
[Collection(KubeCollection.Name)]
public sealed class InputTests(KubeTestCluster cluster)
{
    public static TheoryData<string, string, string> Invalid() => new()
    {
        { "engines", "{\"replicas\":-1}", "spec.replicas" },
        { "kernels", "{\"replicas\":0}", "spec.replicas" },
        { "journals", "{\"port\":70000}", "spec.port" },
        { "storages", "{\"image\":{\"name\":\"x\",\"pullPolicy\":\"Sometimes\"}}", "spec.image.pullPolicy" },
        { "journals", "{\"image\":{\"pullPolicy\":\"Always\"}}", "spec.image.name" },
        { "engines", "{\"resource\":{\"limits\":{\"cpu\":\"lots\"}}}", "spec.resource.limits" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task Schema_rejects_invalid_resources_with_422_naming_the_field(string plural, string spec, string field)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        string kind = plural switch { "engines" => "Engine", "kernels" => "Kernel", "journals" => "Journal", _ => "Storage" };
        string body = $"{{\"apiVersion\":\"{EngulaApi.ApiVersion}\",\"kind\":\"{kind}\",\"metadata\":{{\"name\":\"bad\"}},\"spec\":{spec}}}";
        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(System.Text.Json.JsonDocument.Parse(body).RootElement, EngulaApi.Group, EngulaApi.Version, ns.Name, plural, cancellationToken: ct));
        Assert.Equal(422, (int)error.Response.StatusCode);
        Assert.Contains(field, error.Response.Content);
    }

    [Fact]
    public async Task Defaults_apply_even_without_a_spec()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        string body = $"{{\"apiVersion\":\"{EngulaApi.ApiVersion}\",\"kind\":\"Journal\",\"metadata\":{{\"name\":\"j\"}}}}";
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(System.Text.Json.JsonDocument.Parse(body).RootElement, EngulaApi.Group, EngulaApi.Version, ns.Name, "journals", cancellationToken: ct);
        var journal = await Kube.ComponentAsync(cluster.Client, ResourceKind.Journal, ns.Name, "j", ct);
        Assert.Equal((1, 24570), (journal!.Spec.Replicas, journal.Spec.Port));
    }

    [Fact]
    public async Task A_cluster_the_builders_reject_creates_nothing_and_says_why_and_background_is_unsupported()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = cluster.Client;
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        await using var op = await RunningOperator.StartAsync(cluster, ns.Name, ct);

        // No image anywhere (the original panicked on a nil image), a kernel without its journal and storage.
        await Kube.CreateAsync(cluster.Client, "clusters", "Cluster", "noimage", "{\"journal\":{\"replicas\":1}}", ns.Name, ct);
        await Kube.CreateAsync(cluster.Client, "clusters", "Cluster", "lonely", "{\"image\":{\"name\":\"ghcr.io/engula/engula:0.2.0\"},\"kernel\":{\"replicas\":1}}", ns.Name, ct);
        // Requests above limits: the builders refuse it for a component, so the Cluster must be refused up front too
        // (the Cluster's check and the components' builds share one mapping of a spec).
        await Kube.CreateAsync(cluster.Client, "clusters", "Cluster", "greedy",
            "{\"image\":{\"name\":\"ghcr.io/engula/engula:0.2.0\"},\"journal\":{\"replicas\":1,\"resource\":{\"requests\":{\"cpu\":\"2\"},\"limits\":{\"cpu\":\"1\"}}}}", ns.Name, ct);
        await Kube.CreateAsync(cluster.Client, "backgrounds", "Background", "bg", "{\"replicas\":1,\"image\":{\"name\":\"ghcr.io/engula/engula:0.2.0\"}}", ns.Name, ct);

        foreach (var (name, text) in new[] { ("noimage", "spec.journal.image"), ("lonely", "journal"), ("greedy", "exceeds its limit") })
        {
            ClusterResource? invalid = null;
            await Wait.ForAsync($"{name} InvalidSpec", async t =>
            {
                invalid = await Kube.ClusterAsync(client, ns.Name, name, t);
                return (Kube.Condition(invalid?.Status?.Conditions, "Degraded") is { Status: "True", Reason: "InvalidSpec" }, Kube.Describe(invalid?.Status?.Conditions));
            }, Wait.Default, ct);
            Assert.Contains(text, Kube.Condition(invalid!.Status!.Conditions, "Degraded")!.Message);
            Assert.Equal("False", Kube.Condition(invalid.Status.Conditions, "Ready")!.Status);
        }

        var background = await Kube.WaitForConditionAsync(client, ResourceKind.Background, ns.Name, "bg", "Ready", "False", "Unsupported", ct);
        Assert.Contains("no background component", Kube.Condition(background.Status!.Conditions, "Ready")!.Message);

        // Nothing partial: no component resources, no workload.
        await op.ReconcileEverythingAsync(ct);
        foreach (var kind in new[] { ResourceKind.Journal, ResourceKind.Kernel })
        {
            Assert.Empty((await client.CustomObjects.ListNamespacedCustomObjectAsync<ResourceList<ComponentResource>>(EngulaApi.Group, EngulaApi.Version, ns.Name, kind.Plural(), cancellationToken: ct)).Items);
        }

        Assert.Empty((await client.AppsV1.ListNamespacedStatefulSetAsync(ns.Name, cancellationToken: ct)).Items);
        Assert.Equal(0, op.Metrics.Errors);
    }
}
