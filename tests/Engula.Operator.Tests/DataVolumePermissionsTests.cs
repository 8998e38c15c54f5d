using System.Text.Json;
using Engula.Operator.Api;
using Engula.Operator.Manifests;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Engula.Operator.Tests;

/// <summary>The <c>dataVolumePermissions</c> field in the generated CRDs: an enum with a default, where a data volume can be.</summary>
public sealed class DataVolumePermissionsSchemaTests
{
    [Theory]
    [InlineData(nameof(ResourceKind.Journal))]
    [InlineData(nameof(ResourceKind.Storage))]
    [InlineData(nameof(ResourceKind.Kernel))]
    [InlineData(nameof(ResourceKind.Engine))]
    public void Component_schemas_allow_FsGroup_and_InitContainer_and_default_to_FsGroup(string kind)
    {
        var spec = CrdBuilder.Build(Enum.Parse<ResourceKind>(kind)).Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"];
        AssertField(spec.Properties["dataVolumePermissions"]);
    }

    [Fact]
    public void Every_Cluster_section_has_the_field_and_Background_does_not()
    {
        var cluster = CrdBuilder.Build(ResourceKind.Cluster).Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"];
        foreach (string section in new[] { "journal", "storage", "kernel", "engine" })
        {
            AssertField(cluster.Properties[section].Properties["dataVolumePermissions"]);
        }

        Assert.DoesNotContain("dataVolumePermissions", cluster.Properties["background"].Properties.Keys);
        Assert.DoesNotContain("dataVolumePermissions", CrdBuilder.Build(ResourceKind.Background).Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties.Keys);
    }

    [Theory]
    [InlineData(null, Engula.Kubernetes.DataVolumePermissions.FsGroup)]
    [InlineData("FsGroup", Engula.Kubernetes.DataVolumePermissions.FsGroup)]
    [InlineData("InitContainer", Engula.Kubernetes.DataVolumePermissions.InitContainer)]
    public void The_names_map_to_the_builders_values(string? name, Engula.Kubernetes.DataVolumePermissions expected)
    {
        Assert.Equal(expected, new ComponentSpec { DataVolumePermissions = name }.DataVolumePermissionsValue());
    }

    [Fact]
    public void A_name_the_schema_would_refuse_is_an_error_naming_the_field()
    {
        var error = Assert.Throws<ArgumentException>(() => new ComponentSpec { DataVolumePermissions = "initContainer" }.DataVolumePermissionsValue());
        Assert.StartsWith("spec.dataVolumePermissions: 'initContainer'", error.Message, StringComparison.Ordinal);
    }

    private static void AssertField(V1JSONSchemaProps field)
    {
        Assert.Equal("string", field.Type);
        Assert.Equal(["FsGroup", "InitContainer"], field.EnumProperty.Select(v => v.ToString()));
        Assert.Equal("FsGroup", field.DefaultProperty?.ToString());
        Assert.Contains("hostPath", field.Description, StringComparison.Ordinal);
    }
}

/// <summary>
/// The field on the real API server (the committed CRDs): accepted, defaulted and refused by the schema; and the
/// operator turning <c>InitContainer</c> into the builders' data-permissions init container, for the components
/// that ask for it and have a data volume, with no churn afterwards.
/// </summary>
[Collection(KubeCollection.Name)]
public sealed class DataVolumePermissionsTests(KubeTestCluster cluster)
{
    private const string Image = "ghcr.io/engula/engula:0.2.0";

    [Fact]
    public async Task The_schema_accepts_both_values_and_defaults_a_missing_one_to_FsGroup_in_components_and_Cluster_sections()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = cluster.Client;
        await using var ns = await cluster.CreateNamespaceAsync(ct);

        await Kube.CreateAsync(cluster.Client, "journals", "Journal", "j", "{\"dataVolumePermissions\":\"InitContainer\"}", ns.Name, ct);
        await Kube.CreateAsync(cluster.Client, "storages", "Storage", "s", "{}", ns.Name, ct);
        await Kube.CreateAsync(cluster.Client, "clusters", "Cluster", "c", "{\"journal\":{},\"kernel\":{\"dataVolumePermissions\":\"InitContainer\"}}", ns.Name, ct);

        Assert.Equal("InitContainer", (await Kube.ComponentAsync(client, ResourceKind.Journal, ns.Name, "j", ct))!.Spec.DataVolumePermissions);
        Assert.Equal("FsGroup", (await Kube.ComponentAsync(client, ResourceKind.Storage, ns.Name, "s", ct))!.Spec.DataVolumePermissions);
        var stored = (await Kube.ClusterAsync(client, ns.Name, "c", ct))!;
        Assert.Equal("FsGroup", stored.Spec.Journal!.DataVolumePermissions);
        Assert.Equal("InitContainer", stored.Spec.Kernel!.DataVolumePermissions);
    }

    [Theory]
    [InlineData("journals", "Journal", "{\"dataVolumePermissions\":\"initContainer\"}", "spec.dataVolumePermissions")]
    [InlineData("kernels", "Kernel", "{\"dataVolumePermissions\":\"Root\"}", "spec.dataVolumePermissions")]
    [InlineData("storages", "Storage", "{\"dataVolumePermissions\":1}", "spec.dataVolumePermissions")]
    [InlineData("clusters", "Cluster", "{\"storage\":{\"dataVolumePermissions\":\"chown\"}}", "spec.storage.dataVolumePermissions")]
    public async Task The_schema_refuses_any_other_value_with_422_naming_the_field(string plural, string kind, string spec, string field)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ns = await cluster.CreateNamespaceAsync(ct);

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Kube.CreateAsync(cluster.Client, plural, kind, "bad", spec, ns.Name, ct));

        Assert.Equal(422, (int)error.Response.StatusCode);
        Assert.Contains(field, error.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InitContainer_in_a_Cluster_section_gives_that_components_StatefulSet_the_init_container_the_engine_ignores_it_and_a_change_rolls_out()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = cluster.Client;
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        await using var op = await RunningOperator.StartAsync(cluster, ns.Name, ct);
        await Kube.CreateAsync(cluster.Client, "clusters", "Cluster", "perm",
            $"{{\"image\":{{\"name\":\"{Image}\"}},\"journal\":{{\"dataVolumePermissions\":\"InitContainer\"}},\"storage\":{{}}," +
            "\"kernel\":{\"dataVolumePermissions\":\"InitContainer\"},\"engine\":{\"dataVolumePermissions\":\"InitContainer\"}}",
            ns.Name, ct);

        // Journal: the init container; storage (the default): none, and the same main container and pod security context.
        var journal = await Kube.WaitForStatefulSetAsync(cluster.Client, ns.Name, "perm-journal", ct);
        var storage = await Kube.WaitForStatefulSetAsync(cluster.Client, ns.Name, "perm-storage", ct);
        AssertInitContainer(journal);
        Assert.Empty(storage.Spec.Template.Spec.InitContainers ?? []);
        Assert.Equal("FsGroup", (await Kube.ComponentAsync(client, ResourceKind.Storage, ns.Name, "perm-storage", ct))!.Spec.DataVolumePermissions);
        Assert.Equal(KubernetesJson.Serialize(storage.Spec.Template.Spec.SecurityContext), KubernetesJson.Serialize(journal.Spec.Template.Spec.SecurityContext));
        var main = Assert.Single(journal.Spec.Template.Spec.Containers);
        Assert.Equal((true, false, true, "ALL", (IList<string>?)null),
            (main.SecurityContext.RunAsNonRoot!.Value, main.SecurityContext.AllowPrivilegeEscalation!.Value, main.SecurityContext.ReadOnlyRootFilesystem!.Value, main.SecurityContext.Capabilities.Drop.Single(), main.SecurityContext.Capabilities.Add));

        // Kernel (a data volume): the init container; engine (none): the setting is ignored.
        await Kube.MarkPodsReadyAsync(client, ns.Name, "perm-journal", 1, ct);
        await Kube.MarkPodsReadyAsync(client, ns.Name, "perm-storage", 1, ct);
        AssertInitContainer(await Kube.WaitForStatefulSetAsync(cluster.Client, ns.Name, "perm-kernel", ct));
        await Kube.MarkPodsReadyAsync(client, ns.Name, "perm-kernel", 1, ct);
        var engine = await Kube.WaitForStatefulSetAsync(cluster.Client, ns.Name, "perm-engine", ct);
        Assert.Empty(engine.Spec.Template.Spec.InitContainers ?? []);
        var engineStatus = await Kube.WaitForConditionAsync(client, ResourceKind.Engine, ns.Name, "perm-engine", "Degraded", "False", null, ct);
        Assert.Equal("AsExpected", Kube.Condition(engineStatus.Status!.Conditions, "Degraded")!.Reason);

        // Opting storage in on the Cluster reaches its StatefulSet.
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("{\"spec\":{\"storage\":{\"dataVolumePermissions\":\"InitContainer\"}}}", V1Patch.PatchType.MergePatch),
            EngulaApi.Group, EngulaApi.Version, ns.Name, "clusters", "perm", cancellationToken: ct);
        V1StatefulSet? changed = null;
        await Wait.ForAsync("the storage StatefulSet with the init container", async t =>
            (changed = await Kube.StatefulSetAsync(client, ns.Name, "perm-storage", t))?.Spec.Template.Spec.InitContainers is { Count: 1 }, Wait.Default, ct);
        AssertInitContainer(changed!);

        // No churn: the server's defaults inside the init container do not make the operator apply again. Measured
        // once the storage rollout is over and everything is Ready: until then the StatefulSet controller and the
        // pods change status on their own.
        await Kube.MarkPodsReadyOnUpdateRevisionAsync(client, ns.Name, "perm-storage", 1, ct);
        await Kube.MarkPodsReadyAsync(client, ns.Name, "perm-engine", 1, ct);
        await Kube.WaitForClusterSettledAsync(client, ns.Name, "perm", ct);
        await op.ReconcileEverythingAsync(ct);
        int before = op.Writes.Count;
        await op.ReconcileEverythingAsync(ct);
        await op.ReconcileEverythingAsync(ct);
        Assert.True(op.Writes.Count == before, "steady-state writes: " + string.Join(", ", op.Writes.Writes.Skip(before)));
        Assert.Equal(0, op.Metrics.Errors);
    }

    private static void AssertInitContainer(V1StatefulSet set)
    {
        var pod = set.Spec.Template.Spec;
        var init = Assert.Single(pod.InitContainers);
        Assert.Equal("data-permissions", init.Name);
        Assert.Equal(Image, init.Image);
        Assert.Equal(["/bin/sh", "-c"], init.Command.Take(2));
        Assert.Equal(["data-permissions", "10001", "/data"], init.Command.Skip(3));
        Assert.Equal((0L, 0L, false, false, true),
            (init.SecurityContext.RunAsUser!.Value, init.SecurityContext.RunAsGroup!.Value, init.SecurityContext.RunAsNonRoot!.Value, init.SecurityContext.AllowPrivilegeEscalation!.Value, init.SecurityContext.ReadOnlyRootFilesystem!.Value));
        Assert.Equal(["ALL"], init.SecurityContext.Capabilities.Drop);
        Assert.Equal(["CHOWN"], init.SecurityContext.Capabilities.Add);
        Assert.Equal([("data", "/data")], init.VolumeMounts.Select(m => (m.Name, m.MountPath)));
    }
}
