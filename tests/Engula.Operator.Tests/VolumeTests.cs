using System.Text.Json;
using Engula.Operator.Api;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Engula.Operator.Tests;

/// <summary>
/// Data volume changes on the real API server, whose controllers bind claims to volumes, admit claim resizes only
/// where the StorageClass allows expansion, and let a re-created StatefulSet adopt orphaned pods. A larger size grows
/// the bound claim and re-creates the StatefulSet without touching its pod; a smaller size or another class is refused
/// with Degraded while other changes still go through.
/// </summary>
[Collection(KubeCollection.Name)]
public sealed class VolumeTests(KubeTestCluster cluster)
{
    private const string Image = "ghcr.io/engula/engula:0.2.0";
    private const string ExpandableClass = "engula-expandable";
    private const string FixedClass = "engula-fixed";

    [Fact]
    public async Task A_larger_volume_grows_the_claim_and_recreates_the_StatefulSet_without_restarting_its_pod_and_a_smaller_one_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = cluster.Client;
        await EnsureStorageClassAsync(client, ExpandableClass, expandable: true, ct);
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        await using var op = await RunningOperator.StartAsync(cluster, ns.Name, ct);
        await CreateJournalAsync(client, ns.Name, ExpandableClass, "1Gi", ct);
        await BindClaimAsync(client, ns.Name, "data-vol-0", ExpandableClass, ct);
        await Kube.MarkPodsReadyAsync(client, ns.Name, "vol", 1, ct);
        await Kube.WaitForConditionAsync(client, ResourceKind.Journal, ns.Name, "vol", "Ready", "True", null, ct);
        var set = (await Kube.StatefulSetAsync(client, ns.Name, "vol", ct))!;
        var pod = await client.CoreV1.ReadNamespacedPodAsync("vol-0", ns.Name, cancellationToken: ct);

        // 1Gi → 2Gi: the claim asks for 2Gi, the StatefulSet is a new object with a 2Gi template, the pod is the same.
        await PatchJournalAsync(client, ns.Name, "{\"spec\":{\"volume\":{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"2Gi\"}}}}}}", ct);
        await Wait.ForAsync("the claim asking for 2Gi", async t =>
            (await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("data-vol-0", ns.Name, cancellationToken: t)).Spec.Resources.Requests["storage"].ToString() == "2Gi", Wait.Default, ct);
        V1StatefulSet? recreated = null;
        await Wait.ForAsync("the StatefulSet re-created with a 2Gi claim template", async t =>
            (recreated = await Kube.StatefulSetAsync(client, ns.Name, "vol", t)) is { } s && s.Metadata.Uid != set.Metadata.Uid && s.Metadata.DeletionTimestamp is null
            && s.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests["storage"].ToString() == "2Gi", Wait.Default, ct);
        // The new StatefulSet's controller adopts the orphaned pod (the journal's Ready condition may never have left
        // True, so it is no signal for the adoption): wait for the owner reference, then check it is the same pod.
        V1Pod? after = null;
        await Wait.ForAsync("the pod adopted by the re-created StatefulSet", async t =>
            (after = await client.CoreV1.ReadNamespacedPodAsync("vol-0", ns.Name, cancellationToken: t)).Metadata.OwnerReferences is [var owner] && owner.Uid == recreated!.Metadata.Uid,
            Wait.Default, ct);
        Assert.Equal(pod.Metadata.Uid, after!.Metadata.Uid);
        await Kube.WaitForConditionAsync(client, ResourceKind.Journal, ns.Name, "vol", "Ready", "True", null, ct);
        await Kube.WaitForConditionAsync(client, ResourceKind.Journal, ns.Name, "vol", "Degraded", "False", null, ct);

        // 2Gi → 1Gi: refused, the StatefulSet keeps 2Gi, and a change of resources in the same spec still applies.
        await PatchJournalAsync(client, ns.Name,
            "{\"spec\":{\"volume\":{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}},\"resource\":{\"requests\":{\"cpu\":\"200m\"}}}}", ct);
        var refused = await Kube.WaitForConditionAsync(client, ResourceKind.Journal, ns.Name, "vol", "Degraded", "True", "VolumeChangeRefused", ct);
        Assert.Contains("cannot shrink from 2Gi to 1Gi", Kube.Condition(refused.Status!.Conditions, "Degraded")!.Message, StringComparison.Ordinal);
        await Wait.ForAsync("the cpu request applied", async t =>
            (await Kube.StatefulSetAsync(client, ns.Name, "vol", t))!.Spec.Template.Spec.Containers[0].Resources.Requests["cpu"].ToString() == "200m", Wait.Default, ct);
        var kept = (await Kube.StatefulSetAsync(client, ns.Name, "vol", ct))!;
        Assert.Equal(recreated!.Metadata.Uid, kept.Metadata.Uid);
        Assert.Equal("2Gi", kept.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests["storage"].ToString());
        Assert.Equal(0, op.Metrics.Errors);
    }

    [Theory]
    [InlineData(FixedClass, "2Gi", "VolumeExpansionUnsupported", "StorageClass engula-fixed does not allow volume expansion")]
    [InlineData(ExpandableClass, null, "VolumeChangeRefused", "StorageClass or access modes cannot change")]
    public async Task A_volume_change_the_class_cannot_make_is_refused_and_the_StatefulSet_is_left_as_it_is(string startClass, string? size, string reason, string message)
    {
        var ct = TestContext.Current.CancellationToken;
        var client = cluster.Client;
        await EnsureStorageClassAsync(client, FixedClass, expandable: false, ct);
        await EnsureStorageClassAsync(client, ExpandableClass, expandable: true, ct);
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        await using var op = await RunningOperator.StartAsync(cluster, ns.Name, ct);
        await CreateJournalAsync(client, ns.Name, startClass, "1Gi", ct);
        var set = await Kube.WaitForStatefulSetAsync(client, ns.Name, "vol", ct);

        string patch = size is not null
            ? $"{{\"spec\":{{\"volume\":{{\"spec\":{{\"resources\":{{\"requests\":{{\"storage\":\"{size}\"}}}}}}}}}}}}"
            : $"{{\"spec\":{{\"volume\":{{\"spec\":{{\"storageClassName\":\"{FixedClass}\"}}}}}}}}";
        await PatchJournalAsync(client, ns.Name, patch, ct);

        var refused = await Kube.WaitForConditionAsync(client, ResourceKind.Journal, ns.Name, "vol", "Degraded", "True", reason, ct);
        Assert.Contains(message, Kube.Condition(refused.Status!.Conditions, "Degraded")!.Message, StringComparison.Ordinal);
        var kept = (await Kube.StatefulSetAsync(client, ns.Name, "vol", ct))!;
        Assert.Equal(set.Metadata.Uid, kept.Metadata.Uid);
        Assert.Equal(set.Metadata.Generation, kept.Metadata.Generation);
        Assert.Equal(0, op.Metrics.Errors);
    }

    private static async Task CreateJournalAsync(IKubernetes client, string ns, string storageClass, string size, CancellationToken ct)
    {
        string body = $"{{\"apiVersion\":\"{EngulaApi.ApiVersion}\",\"kind\":\"Journal\",\"metadata\":{{\"name\":\"vol\"}},\"spec\":{{\"image\":{{\"name\":\"{Image}\"}}," +
            $"\"volume\":{{\"spec\":{{\"storageClassName\":\"{storageClass}\",\"accessModes\":[\"ReadWriteOnce\"],\"resources\":{{\"requests\":{{\"storage\":\"{size}\"}}}}}}}}}}}}";
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(JsonDocument.Parse(body).RootElement, EngulaApi.Group, EngulaApi.Version, ns, "journals", cancellationToken: ct);
    }

    private static async Task PatchJournalAsync(IKubernetes client, string ns, string patch, CancellationToken ct) =>
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), EngulaApi.Group, EngulaApi.Version, ns, "journals", "vol", cancellationToken: ct);

    private static async Task EnsureStorageClassAsync(IKubernetes client, string name, bool expandable, CancellationToken ct)
    {
        try
        {
            await client.StorageV1.CreateStorageClassAsync(new V1StorageClass
            {
                Metadata = new V1ObjectMeta { Name = name },
                Provisioner = "kubernetes.io/no-provisioner",
                AllowVolumeExpansion = expandable,
                VolumeBindingMode = "Immediate",
            }, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
        }
    }

    /// <summary>A PersistentVolume reserved for the claim, so that the volume controller binds it (a resize needs a bound claim).</summary>
    private static async Task BindClaimAsync(IKubernetes client, string ns, string claim, string storageClass, CancellationToken ct)
    {
        await Wait.ForAsync($"claim {claim}", async t => (await client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns, fieldSelector: "metadata.name=" + claim, cancellationToken: t)).Items.Count == 1, Wait.Default, ct);
        await client.CoreV1.CreatePersistentVolumeAsync(new V1PersistentVolume
        {
            Metadata = new V1ObjectMeta { Name = $"{ns}-{claim}" },
            Spec = new V1PersistentVolumeSpec
            {
                Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") },
                AccessModes = ["ReadWriteOnce"],
                StorageClassName = storageClass,
                PersistentVolumeReclaimPolicy = "Delete",
                HostPath = new V1HostPathVolumeSource { Path = "/nonexistent/" + ns },
                ClaimRef = new V1ObjectReference { NamespaceProperty = ns, Name = claim },
            },
        }, cancellationToken: ct);
        await Wait.ForAsync($"claim {claim} Bound", async t =>
            (await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(claim, ns, cancellationToken: t)).Status?.Phase == "Bound", Wait.Default, ct);
    }
}
