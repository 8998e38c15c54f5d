using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Engula.Kubernetes.Tests;

/// <summary>
/// The builders' objects on a real API server (1.20.2 here, or ENGULA_TEST_KUBECONFIG) with the controller-manager
/// running: every object is accepted by server-side apply, a second apply changes nothing, and the StatefulSet
/// controller creates Pods whose spec is what the builders said.
/// </summary>
[Collection(KubeCollection.Name)]
public sealed class ApiServerTests(KubeTestCluster cluster)
{
    private const string FieldManager = "engula-tests";

    public static TheoryData<string> Samples_() => ["cluster-sample", "bare", "custom-ports", "init-container", "scheduled"];

    private static EngulaCluster Sample(string name, string ns) => name switch
    {
        "cluster-sample" => Samples.ClusterSample(ns),
        "bare" => Samples.Bare(ns),
        "init-container" => Samples.InitContainer(ns),
        "scheduled" => Samples.Scheduled(ns),
        _ => Samples.CustomPorts(ns),
    };

    [Theory]
    [MemberData(nameof(Samples_))]
    public async Task Every_object_is_accepted_and_the_StatefulSet_controller_creates_pods_with_the_built_spec(string sample)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        var built = EngulaObjects.Build(Sample(sample, ns.Name));
        await EnsurePriorityClassAsync(ct);

        // 1. Server-side apply of every object, ServiceAccount first (pods referencing it are refused without it).
        var first = new List<V1ObjectMeta>();
        foreach (var obj in built.All)
        {
            var applied = await cluster.ApplyAsync(obj, ns.Name, FieldManager, ct);
            Assert.False(string.IsNullOrEmpty(applied.Uid), $"{obj.Kind}/{obj.Metadata.Name} has no uid");
            Assert.Equal(obj.Metadata.Labels, applied.Labels);
            first.Add(applied);
        }

        // 2. Applying the same objects again is a no-op: the output carries no server-defaulted or unstable field
        // that would fight the server. Compared with the object as it is just before the re-apply, because
        // controllers write too (the token controller adds a secret to a 1.20 ServiceAccount). StatefulSets are
        // compared by generation (spec changes) only: their resourceVersion also moves with status writes and
        // with the first re-apply after one (Kubernetes 1.20).
        for (int i = 0; i < built.All.Count; i++)
        {
            var obj = built.All[i];
            if (obj is V1StatefulSet)
            {
                Assert.Equal(first[i].Generation, (await cluster.ApplyAsync(obj, ns.Name, FieldManager, ct)).Generation);
                continue;
            }

            // A controller's write landing between the GET and the apply (the disruption controller updates PDB
            // status while pods appear) makes one attempt inconclusive; a builder field that fights the server
            // changes the object on every attempt.
            var changes = new List<string>();
            for (int attempt = 0; attempt < 3; attempt++)
            {
                string before = (await GetAsync(obj, ns.Name, ct)).ResourceVersion;
                string after = (await cluster.ApplyAsync(obj, ns.Name, FieldManager, ct)).ResourceVersion;
                if (before == after)
                {
                    break;
                }

                changes.Add($"{before}->{after}");
            }

            Assert.True(changes.Count < 3, $"every re-apply of {obj.Kind}/{obj.Metadata.Name} changed it: {string.Join(", ", changes)}");
        }

        // 3. The StatefulSet controller creates pod 0 of every component; inspect what the pods really got.
        var pods = await cluster.WaitForPodsAsync(ns.Name, [.. built.Components.Select(c => c.Name + "-0")], ct);
        var services = (await cluster.Client.CoreV1.ListNamespacedServiceAsync(ns.Name, cancellationToken: ct)).Items;
        foreach (var component in built.Components)
        {
            InspectPod(component, pods[component.Name + "-0"], services, ns.Name);
        }

        // 4. The claim templates became PVCs of the expected size.
        var claims = (await cluster.Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns.Name, cancellationToken: ct)).Items;
        foreach (var component in built.Components.Where(c => c.Kind != EngulaComponentKind.Engine))
        {
            var claim = Assert.Single(claims, c => c.Metadata.Name == $"data-{component.Name}-0");
            Assert.Equal(
                component.StatefulSet.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests["storage"].ToString(),
                claim.Spec.Resources.Requests["storage"].ToString());
        }

        Assert.Equal(17, built.All.Count);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{sample}: server {cluster.Version.GitVersion}, {built.All.Count} objects applied twice (PDB as {(cluster.HasPolicyV1 ? "policy/v1" : "policy/v1beta1")}), {pods.Count} pods inspected, {claims.Count} PVCs");
    }

    private static string Json(object? value) => value is null ? "null" : KubernetesJson.Serialize(value);

    /// <summary>The PriorityClass the scheduled sample names: pods naming a missing class are refused at admission.</summary>
    private async Task EnsurePriorityClassAsync(CancellationToken ct)
    {
        try
        {
            await cluster.Client.SchedulingV1.CreatePriorityClassAsync(
                new V1PriorityClass { Metadata = new V1ObjectMeta { Name = Samples.PriorityClass }, Value = 1000, Description = "Engula tests" },
                cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            // made by an earlier test
        }
    }

    private static void InspectPod(ComponentObjects component, V1Pod pod, IList<V1Service> services, string ns)
    {
        var expected = Assert.Single(component.StatefulSet.Spec.Template.Spec.Containers);
        var spec = pod.Spec;
        var container = Assert.Single(spec.Containers);

        Assert.Equal("engula", container.Name);
        Assert.Equal(expected.Image, container.Image);
        Assert.Equal(expected.Command, container.Command);
        Assert.Equal(expected.Ports.Select(p => (p.Name, p.ContainerPort, p.Protocol)), container.Ports.Select(p => (p.Name, p.ContainerPort, p.Protocol)));
        Assert.Equal(expected.Env.Select(e => (e.Name, e.Value)), container.Env.Select(e => (e.Name, e.Value)));
        Assert.Equal("metadata.name", container.Env.Single(e => e.Name == "POD_NAME").ValueFrom.FieldRef.FieldPath);

        // Every address in the pod's env names a Service of the namespace, on a port that Service has.
        foreach (var env in container.Env.Where(e => e.Name.StartsWith("ENGULA_", StringComparison.Ordinal)))
        {
            string[] hostPort = env.Value["dns:///".Length..].Split(':');
            var service = Assert.Single(services, s => s.Metadata.Name == hostPort[0]);
            Assert.Contains(service.Spec.Ports, p => p.Port == int.Parse(hostPort[1], System.Globalization.CultureInfo.InvariantCulture) && p.Name == "grpc");
            Assert.Equal("None", service.Spec.ClusterIP);
        }

        // Mounts: data (stateful only) and /tmp; no service-account token was injected.
        var mounts = container.VolumeMounts.Select(m => (m.Name, m.MountPath)).ToList();
        Assert.Contains(("tmp", "/tmp"), mounts);
        Assert.DoesNotContain(mounts, m => m.MountPath.StartsWith("/var/run/secrets", StringComparison.Ordinal));
        if (component.Kind == EngulaComponentKind.Engine)
        {
            Assert.Equal(["tmp"], mounts.Select(m => m.Name));
        }
        else
        {
            Assert.Contains(("data", "/data"), mounts);
            var data = Assert.Single(spec.Volumes, v => v.Name == "data");
            Assert.Equal($"data-{component.Name}-0", data.PersistentVolumeClaim.ClaimName);
        }

        // Security context as built.
        Assert.Equal(component.StatefulSet.Spec.Template.Spec.ServiceAccountName, spec.ServiceAccountName);
        Assert.False(spec.AutomountServiceAccountToken);
        Assert.True(spec.SecurityContext.RunAsNonRoot);
        Assert.Equal(10001, spec.SecurityContext.RunAsUser);
        Assert.Equal(10001, spec.SecurityContext.FsGroup);
        Assert.Equal("RuntimeDefault", spec.SecurityContext.SeccompProfile.Type);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);

        // The data-permissions init container (opt-in) as built: the server keeps uid 0, the one capability and the mount.
        var expectedInit = component.StatefulSet.Spec.Template.Spec.InitContainers ?? [];
        var init = spec.InitContainers ?? [];
        Assert.Equal(expectedInit.Select(c => (c.Name, c.Image, string.Join(' ', c.Command))), init.Select(c => (c.Name, c.Image, string.Join(' ', c.Command))));
        foreach (var (want, got) in expectedInit.Zip(init))
        {
            Assert.Equal((0L, false, false, true), (got.SecurityContext.RunAsUser!.Value, got.SecurityContext.RunAsNonRoot!.Value, got.SecurityContext.AllowPrivilegeEscalation!.Value, got.SecurityContext.ReadOnlyRootFilesystem!.Value));
            Assert.Equal(want.SecurityContext.Capabilities.Add, got.SecurityContext.Capabilities.Add);
            Assert.Equal(["ALL"], got.SecurityContext.Capabilities.Drop);
            Assert.Equal([("data", "/data")], got.VolumeMounts.Select(m => (m.Name, m.MountPath)));
        }

        // Probes kept their ports by name, and pod DNS is <pod>.<service> as in the original README.
        Assert.Equal(expected.ReadinessProbe.HttpGet.Port.Value, container.ReadinessProbe.HttpGet.Port.Value);
        Assert.Equal("/alive", container.StartupProbe.HttpGet.Path);
        Assert.Equal(pod.Metadata.Name, spec.Hostname);
        Assert.Equal(component.Service.Metadata.Name, spec.Subdomain);
        Assert.Equal(ns, pod.Metadata.NamespaceProperty);
        Assert.All(component.StatefulSet.Spec.Selector.MatchLabels, kv => Assert.Equal(kv.Value, pod.Metadata.Labels[kv.Key]));

        // Scheduling and pod metadata as built: the server keeps them (it only adds its default NoExecute
        // tolerations and its own labels and annotations).
        var template = component.StatefulSet.Spec.Template;
        Assert.Equal(template.Spec.NodeSelector ?? new Dictionary<string, string>(), spec.NodeSelector ?? new Dictionary<string, string>());
        Assert.Equal(template.Spec.PriorityClassName, spec.PriorityClassName);
        Assert.Equal(Json(template.Spec.Affinity), Json(spec.Affinity));
        Assert.Equal(Json(template.Spec.TopologySpreadConstraints), Json(spec.TopologySpreadConstraints));
        Assert.All(template.Spec.Tolerations ?? [], t => Assert.Contains(KubernetesJson.Serialize(t), (spec.Tolerations ?? []).Select(x => KubernetesJson.Serialize(x))));
        Assert.All(template.Metadata.Labels, kv => Assert.Equal(kv.Value, pod.Metadata.Labels[kv.Key]));
        Assert.All(template.Metadata.Annotations ?? new Dictionary<string, string>(), kv => Assert.Equal(kv.Value, pod.Metadata.Annotations[kv.Key]));
    }

    private async Task<V1ObjectMeta> GetAsync(IKubernetesObject<V1ObjectMeta> obj, string ns, CancellationToken ct)
    {
        var client = cluster.Client;
        string name = obj.Metadata.Name;
        return obj switch
        {
            V1ServiceAccount => (await client.CoreV1.ReadNamespacedServiceAccountAsync(name, ns, cancellationToken: ct)).Metadata,
            V1Service => (await client.CoreV1.ReadNamespacedServiceAsync(name, ns, cancellationToken: ct)).Metadata,
            V1NetworkPolicy => (await client.NetworkingV1.ReadNamespacedNetworkPolicyAsync(name, ns, cancellationToken: ct)).Metadata,
            V1PodDisruptionBudget when cluster.HasPolicyV1 => (await client.PolicyV1.ReadNamespacedPodDisruptionBudgetAsync(name, ns, cancellationToken: ct)).Metadata,
            V1PodDisruptionBudget => (await client.CustomObjects.GetNamespacedCustomObjectAsync<V1PodDisruptionBudget>(
                "policy", "v1beta1", ns, "poddisruptionbudgets", name, ct)).Metadata,
            _ => throw new InvalidOperationException($"no get for {obj.Kind}"),
        };
    }
}
