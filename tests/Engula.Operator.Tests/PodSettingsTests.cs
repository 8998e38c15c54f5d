using System.Text.Json;
using Engula.Operator.Api;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Engula.Operator.Tests;

/// <summary>
/// <c>spec.pod</c> on the real API server (the committed CRDs): a Cluster's defaults reach every component's pods,
/// a section replaces them field by field and merges labels and annotations; what the schema cannot say is refused by
/// the operator with the field named, and a steady Cluster costs no writes.
/// </summary>
[Collection(KubeCollection.Name)]
public sealed class PodSettingsTests(KubeTestCluster cluster)
{
    private const string Image = "ghcr.io/engula/engula:0.2.0";

    private const string Defaults =
        "\"pod\":{\"nodeSelector\":{\"disk\":\"ssd\"}," +
        "\"tolerations\":[{\"key\":\"dedicated\",\"operator\":\"Equal\",\"value\":\"engula\",\"effect\":\"NoSchedule\"}]," +
        "\"affinity\":{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":{\"nodeSelectorTerms\":[{\"matchExpressions\":[{\"key\":\"kubernetes.io/os\",\"operator\":\"In\",\"values\":[\"linux\"]}]}]}}}," +
        "\"topologySpreadConstraints\":[{\"maxSkew\":1,\"topologyKey\":\"topology.kubernetes.io/zone\",\"whenUnsatisfiable\":\"ScheduleAnyway\"}]," +
        "\"labels\":{\"team\":\"data\",\"tier\":\"default\"},\"annotations\":{\"example.com/backup\":\"daily\"}}";

    [Fact]
    public async Task Cluster_defaults_reach_every_component_and_a_section_overrides_them_field_by_field()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = cluster.Client;
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        await using var op = await RunningOperator.StartAsync(cluster, ns.Name, ct);
        await Kube.CreateAsync(cluster.Client, "clusters", "Cluster", "placed",
            $"{{\"image\":{{\"name\":\"{Image}\"}},{Defaults},\"journal\":{{}},\"storage\":{{}},\"kernel\":{{}}," +
            "\"engine\":{\"pod\":{\"nodeSelector\":{\"disk\":\"any\"},\"tolerations\":[],\"labels\":{\"tier\":\"web\"},\"annotations\":{\"example.com/scrape\":\"true\"}}}}",
            ns.Name, ct);

        // The journal has the Cluster's defaults as they are; its spread constraint spreads the journal's own pods.
        var journal = (await Kube.WaitForStatefulSetAsync(cluster.Client, ns.Name, "placed-journal", ct)).Spec;
        var pod = journal.Template.Spec;
        Assert.Equal(new Dictionary<string, string> { ["disk"] = "ssd" }, pod.NodeSelector);
        var toleration = Assert.Single(pod.Tolerations);
        Assert.Equal(("dedicated", "Equal", "engula", "NoSchedule"), (toleration.Key, toleration.OperatorProperty, toleration.Value, toleration.Effect));
        Assert.Equal("In", pod.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms.Single().MatchExpressions.Single().OperatorProperty);
        var spread = Assert.Single(pod.TopologySpreadConstraints);
        Assert.Equal(journal.Selector.MatchLabels, spread.LabelSelector.MatchLabels);
        Assert.Equal(("data", "default"), (journal.Template.Metadata.Labels["team"], journal.Template.Metadata.Labels["tier"]));
        Assert.Equal("daily", journal.Template.Metadata.Annotations["example.com/backup"]);
        Assert.False(journal.Selector.MatchLabels.ContainsKey("team"));

        // The engine: its nodeSelector and (empty) tolerations replace the defaults, the rest is inherited, labels
        // and annotations merge with the engine's winning.
        await Kube.MarkPodsReadyAsync(client, ns.Name, "placed-journal", 1, ct);
        await Kube.MarkPodsReadyAsync(client, ns.Name, "placed-storage", 1, ct);
        await Kube.WaitForStatefulSetAsync(cluster.Client, ns.Name, "placed-kernel", ct);
        await Kube.MarkPodsReadyAsync(client, ns.Name, "placed-kernel", 1, ct);
        var engine = (await Kube.WaitForStatefulSetAsync(cluster.Client, ns.Name, "placed-engine", ct)).Spec.Template;
        Assert.Equal(new Dictionary<string, string> { ["disk"] = "any" }, engine.Spec.NodeSelector);
        Assert.Empty(engine.Spec.Tolerations ?? []);
        Assert.NotNull(engine.Spec.Affinity?.NodeAffinity);
        Assert.Single(engine.Spec.TopologySpreadConstraints);
        Assert.Equal(("data", "web"), (engine.Metadata.Labels["team"], engine.Metadata.Labels["tier"]));
        Assert.Equal(("daily", "true"), (engine.Metadata.Annotations["example.com/backup"], engine.Metadata.Annotations["example.com/scrape"]));

        // The component resource shows the merged settings (what the operator applies is visible with kubectl).
        var engineResource = (await Kube.ComponentAsync(client, ResourceKind.Engine, ns.Name, "placed-engine", ct))!;
        Assert.Equal("web", engineResource.Spec.Pod!.Labels!["tier"]);
        Assert.Equal("ssd", (await Kube.ComponentAsync(client, ResourceKind.Kernel, ns.Name, "placed-kernel", ct))!.Spec.Pod!.NodeSelector!["disk"]);

        // A change of the default reaches the components that inherit it, one at a time (journal, storage, kernel),
        // and not the engine that overrides it.
        await Kube.MarkPodsReadyAsync(client, ns.Name, "placed-engine", 1, ct);
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("{\"spec\":{\"pod\":{\"nodeSelector\":{\"disk\":\"nvme\"}}}}", V1Patch.PatchType.MergePatch),
            EngulaApi.Group, EngulaApi.Version, ns.Name, "clusters", "placed", cancellationToken: ct);
        foreach (string component in new[] { "placed-journal", "placed-storage", "placed-kernel" })
        {
            await Wait.ForAsync($"the {component} StatefulSet on nvme nodes", async t =>
                (await Kube.StatefulSetAsync(client, ns.Name, component, t))?.Spec.Template.Spec.NodeSelector is { } selector && selector.TryGetValue("disk", out var disk) && disk == "nvme", Wait.Default, ct);
            await Kube.MarkPodsReadyOnUpdateRevisionAsync(client, ns.Name, component, 1, ct);
        }

        await Kube.WaitForClusterSettledAsync(client, ns.Name, "placed", ct);
        await op.ReconcileEverythingAsync(ct);
        Assert.Equal("any", (await Kube.StatefulSetAsync(client, ns.Name, "placed-engine", ct))!.Spec.Template.Spec.NodeSelector["disk"]);

        // No churn: a steady Cluster with every pod setting costs no writes.
        int before = op.Writes.Count;
        await op.ReconcileEverythingAsync(ct);
        await op.ReconcileEverythingAsync(ct);
        Assert.True(op.Writes.Count == before, "steady-state writes: " + string.Join(", ", op.Writes.Writes.Skip(before)));
        Assert.Equal(0, op.Metrics.Errors);
    }

    [Theory]
    [InlineData("{\"affinity\":{\"nodeAffinity\":{\"requiredDuringScheduling\":{}}}}", "spec.pod.affinity: Affinity has no field nodeAffinity.requiredDuringScheduling")]
    [InlineData("{\"tolerations\":[{\"key\":\"k\",\"operator\":\"Exists\",\"value\":\"v\"}]}", "Pod.Tolerations[0].Value: the operator Exists takes no value")]
    [InlineData("{\"priorityClassName\":\"High_Priority\"}", "Pod.PriorityClassName")]
    [InlineData("{\"labels\":{\"app.kubernetes.io/component\":\"x\"}}", "Pod.Labels: 'app.kubernetes.io/component' is set by the builders")]
    public async Task What_the_schema_cannot_refuse_makes_the_Cluster_Degraded_naming_the_field_and_creates_nothing(string pod, string message)
    {
        var ct = TestContext.Current.CancellationToken;
        var client = cluster.Client;
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        await using var op = await RunningOperator.StartAsync(cluster, ns.Name, ct);
        await Kube.CreateAsync(cluster.Client, "clusters", "Cluster", "bad", $"{{\"image\":{{\"name\":\"{Image}\"}},\"journal\":{{\"pod\":{pod}}}}}", ns.Name, ct);

        ClusterResource? status = null;
        await Wait.ForAsync("the Cluster Degraded with InvalidSpec", async t =>
            Kube.Condition((status = await Kube.ClusterAsync(client, ns.Name, "bad", t))?.Status?.Conditions, "Degraded") is { Status: "True" }, Wait.Default, ct);
        var degraded = Kube.Condition(status!.Status!.Conditions, "Degraded")!;
        Assert.Contains(message, degraded.Message, StringComparison.Ordinal);
        Assert.Null(await Kube.ComponentAsync(client, ResourceKind.Journal, ns.Name, "bad-journal", ct));
        Assert.Null(await Kube.StatefulSetAsync(client, ns.Name, "bad-journal", ct));
    }

    [Theory]
    [InlineData("{\"tolerations\":[{\"key\":\"k\",\"operator\":\"In\"}]}", "spec.pod.tolerations", "operator")]
    [InlineData("{\"tolerations\":[{\"key\":\"k\",\"effect\":\"NoRun\"}]}", "spec.pod.tolerations", "effect")]
    [InlineData("{\"topologySpreadConstraints\":[{\"maxSkew\":0,\"topologyKey\":\"zone\",\"whenUnsatisfiable\":\"DoNotSchedule\"}]}", "spec.pod.topologySpreadConstraints", "maxSkew")]
    [InlineData("{\"topologySpreadConstraints\":[{\"maxSkew\":1,\"whenUnsatisfiable\":\"DoNotSchedule\"}]}", "spec.pod.topologySpreadConstraints", "topologyKey")]
    [InlineData("{\"nodeSelector\":{\"disk\":1}}", "spec.pod.nodeSelector", "disk")]
    public async Task The_schema_refuses_malformed_pod_settings_with_422_naming_the_field(string pod, string list, string field)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ns = await cluster.CreateNamespaceAsync(ct);

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Kube.CreateAsync(cluster.Client, "journals", "Journal", "bad", $"{{\"pod\":{pod}}}", ns.Name, ct));

        Assert.Equal(422, (int)error.Response.StatusCode);
        // The path names the item's index from Kubernetes 1.21 on (spec.pod.tolerations[0].operator), not on 1.20.
        string content = error.Response.Content;
        Assert.True(content.Contains($"{list}.{field}", StringComparison.Ordinal) || content.Contains($"{list}[0].{field}", StringComparison.Ordinal), content);
    }
}
