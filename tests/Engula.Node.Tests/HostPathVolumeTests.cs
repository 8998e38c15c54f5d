using k8s;
using k8s.Models;

namespace Engula.Node.Tests;

/// <summary>
/// Data volumes the kubelet does not chown: hostPath PersistentVolumes, root-owned 0750 as the controller-manager's
/// host-path provisioner makes them. With the default (fsGroup only) the journal cannot write its data directory;
/// with <c>dataVolumePermissions: InitContainer</c> the same cluster runs and answers, its main containers still
/// non-root.
/// </summary>
[Collection(NodeCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HostPathVolumeTests(KubeNode node)
{
    private const string StorageClass = "root-owned-hostpath";

    [Fact]
    public async Task On_root_owned_hostPath_volumes_fsGroup_alone_fails_with_access_denied_and_the_opt_in_init_container_makes_the_cluster_run()
    {
        var ct = TestContext.Current.CancellationToken;
        await node.OperatorAsync(ct);
        await CreateHostPathVolumesAsync(8, ct);

        // Default: the journal's container fails on its data directory, and says so.
        await SampleCluster.EnsureNamespaceAsync(node, "hostpath-default", ct);
        await ApplyClusterAsync("hostpath-default", initContainer: false, ct);
        await Poll.UntilAsync("the journal to fail writing its hostPath volume", async token =>
        {
            var pod = await Pods.TryReadAsync(node, "hostpath-default", "hp-journal-0", token);
            var terminated = pod?.Status?.ContainerStatuses?.SingleOrDefault()?.LastState?.Terminated ?? pod?.Status?.ContainerStatuses?.SingleOrDefault()?.State?.Terminated;
            return (terminated?.Message?.Contains("is denied", StringComparison.Ordinal) == true, Pods.Describe(pod) + " " + terminated?.Message);
        }, TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(250), ct);

        // Opted in: an init container (uid 0, CHOWN only) fixes the volumes; the four pods run and answer.
        await SampleCluster.EnsureNamespaceAsync(node, "hostpath-init", ct);
        await ApplyClusterAsync("hostpath-init", initContainer: true, ct);
        var cluster = new SampleCluster(node, "hostpath-init", "hp-");
        var pods = await cluster.WaitReadyAsync(ct);
        foreach (var component in new[] { "journal", "storage", "kernel" })
        {
            var pod = pods[cluster.Pod(component)];
            var init = Assert.Single(pod.Spec.InitContainers);
            Assert.Equal(0, init.SecurityContext.RunAsUser);
            Assert.Equal(["CHOWN"], init.SecurityContext.Capabilities.Add);
            Assert.True(pod.Spec.Containers.Single().SecurityContext.RunAsNonRoot ?? pod.Spec.SecurityContext.RunAsNonRoot);
            Assert.Equal(0, pod.Status.InitContainerStatuses.Single().State.Terminated.ExitCode);
            var volume = await node.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync($"data-{cluster.Pod(component)}", "hostpath-init", cancellationToken: ct);
            Assert.Equal(StorageClass, volume.Spec.StorageClassName);
        }

        var client = new InCluster(node, "hostpath-init");
        await client.StartAsync(ct);
        Assert.Equal((200, "put success"), await client.GetAsync(cluster.EngineHost, SampleCluster.EnginePort, "/put?key=hp&value=1", ct));
        Assert.Equal((200, "1"), await client.GetAsync(cluster.EngineHost, SampleCluster.EnginePort, "/get?key=hp", ct));

        await Kubectl.RunAsync(node, ct, "delete", "namespace", "hostpath-default", "hostpath-init", "--wait=false");
    }

    /// <summary>hostPath PVs on directories owned by root with mode 0750, behind a StorageClass of their own.</summary>
    private async Task CreateHostPathVolumesAsync(int count, CancellationToken ct)
    {
        await SampleCluster.IgnoreConflictAsync(() => node.Client.StorageV1.CreateStorageClassAsync(new V1StorageClass
        {
            Metadata = new V1ObjectMeta { Name = StorageClass },
            Provisioner = "kubernetes.io/no-provisioner",
            VolumeBindingMode = "WaitForFirstConsumer",
        }, cancellationToken: ct));
        for (int i = 0; i < count; i++)
        {
            string dir = Path.Combine(node.StateDir!, "hostpath", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
            await SampleCluster.IgnoreConflictAsync(() => node.Client.CoreV1.CreatePersistentVolumeAsync(new V1PersistentVolume
            {
                Metadata = new V1ObjectMeta { Name = $"hostpath-{i}" },
                Spec = new V1PersistentVolumeSpec
                {
                    Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("5Gi") },
                    AccessModes = ["ReadWriteOnce"],
                    StorageClassName = StorageClass,
                    PersistentVolumeReclaimPolicy = "Retain",
                    HostPath = new V1HostPathVolumeSource { Path = dir, Type = "Directory" },
                },
            }, cancellationToken: ct));
        }
    }

    private async Task ApplyClusterAsync(string ns, bool initContainer, CancellationToken ct)
    {
        string permissions = initContainer ? "InitContainer" : "FsGroup";
        string volume = $$"""
                volume:
                  spec:
                    storageClassName: {{StorageClass}}
                    accessModes: [ReadWriteOnce]
                    resources:
                      requests:
                        storage: 1Gi
                dataVolumePermissions: {{permissions}}
            """;
        string yaml = $$"""
            apiVersion: cluster.engula.io/v1alpha1
            kind: Cluster
            metadata:
              name: hp
            spec:
              image: {name: "{{KubeNode.EngulaImage}}", pullPolicy: IfNotPresent}
              journal:
            {{volume}}
              storage:
            {{volume}}
              kernel:
            {{volume}}
              engine: {}
            """;
        string file = Path.Combine(node.StateDir!, $"cluster-{ns}.yaml");
        await File.WriteAllTextAsync(file, yaml, ct);
        await Kubectl.RunAsync(node, ct, "apply", "-n", ns, "-f", file);
    }
}
