using System.Globalization;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Engula.Publishing.Tests;

/// <summary>
/// The files the real publish command writes, applied to a real API server (1.20.2 with kube-controller-manager,
/// or ENGULA_TEST_KUBECONFIG): every object is accepted by server-side apply, and the StatefulSet controller creates
/// pods whose command, env, ports, mounts and security context are those of the published files.
/// </summary>
[Collection(KubeCollection.Name)]
public sealed class ApiServerTests(KubeTestCluster cluster) : IDisposable
{
    private const string FieldManager = "engula-publish-tests";
    private readonly string _dir = Directory.CreateTempSubdirectory("engula-publish-kube-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Every_published_object_is_accepted_and_the_StatefulSets_create_pods_with_the_published_spec()
    {
        var ct = TestContext.Current.CancellationToken;
        string output = Path.Combine(_dir, "out");
        var publish = await PublishCommand.RunAsync(output, [], ct);
        Assert.True(publish.ExitCode == 0, publish.Output);
        var objects = PublishCommand.LoadObjects(output);
        await using var ns = await cluster.CreateNamespaceAsync(ct);

        // Server-side apply, in kustomization.yaml's order (ServiceAccount first: pods naming it are refused without it).
        foreach (var obj in objects)
        {
            var applied = await cluster.ApplyAsync(obj, ns.Name, FieldManager, ct);
            Assert.False(string.IsNullOrEmpty(applied.Uid), $"{obj.Kind}/{obj.Metadata.Name} has no uid");
            Assert.Equal(ns.Name, applied.NamespaceProperty);
            Assert.Equal(obj.Metadata.Labels, applied.Labels);
        }

        var sets = objects.OfType<V1StatefulSet>().ToList();
        var pods = await cluster.WaitForPodsAsync(ns.Name, [.. sets.Select(s => s.Metadata.Name + "-0")], ct);
        var services = (await cluster.Client.CoreV1.ListNamespacedServiceAsync(ns.Name, cancellationToken: ct)).Items;
        foreach (var set in sets)
        {
            Inspect(set, pods[set.Metadata.Name + "-0"], services);
        }

        var claims = (await cluster.Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns.Name, cancellationToken: ct)).Items;
        Assert.Equal(["data-journal-0", "data-kernel-0", "data-storage-0"], claims.Select(c => c.Metadata.Name).Order(StringComparer.Ordinal));

        Assert.Equal(
            ["ServiceAccount", .. Enumerable.Repeat<string[]>(["Service", "StatefulSet", "PodDisruptionBudget", "NetworkPolicy"], 4).SelectMany(k => k)],
            objects.Select(o => o.Kind));
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"server {cluster.Version.GitVersion}: publish {publish.Elapsed.TotalSeconds:F2} s, {objects.Count} objects applied " +
            $"(PDB as {(cluster.HasPolicyV1 ? "policy/v1" : "policy/v1beta1")}), {pods.Count} pods inspected, {claims.Count} PVCs");
    }

    private static void Inspect(V1StatefulSet set, V1Pod pod, IList<V1Service> services)
    {
        string name = set.Metadata.Name;
        var expected = Assert.Single(set.Spec.Template.Spec.Containers);
        var spec = pod.Spec;
        var container = Assert.Single(spec.Containers);

        // Command: /bin/engula <component> run 0.0.0.0:<port> … (CONTRACTS §4).
        Assert.Equal("engula", container.Name);
        Assert.Equal("ghcr.io/engula/engula:0.2.0", container.Image);
        Assert.Equal(expected.Command, container.Command);
        Assert.Equal(["/bin/engula", name, "run"], container.Command.Take(3));
        int port = name switch { "journal" => 24570, "storage" => 24569, "kernel" => 24567, _ => 24568 };
        Assert.Equal("0.0.0.0:" + port.ToString(CultureInfo.InvariantCulture), container.Command[3]);

        // Ports by name, env as published (POD_NAME from the downward API), every address naming a Service port.
        Assert.Equal(expected.Ports.Select(p => (p.Name, p.ContainerPort, p.Protocol)), container.Ports.Select(p => (p.Name, p.ContainerPort, p.Protocol)));
        Assert.Equal(name == "engine" ? ["http"] : ["grpc", "admin"], container.Ports.Select(p => p.Name));
        Assert.Equal(expected.Env.Select(e => (e.Name, e.Value)), container.Env.Select(e => (e.Name, e.Value)));
        Assert.Equal("metadata.name", container.Env.Single(e => e.Name == "POD_NAME").ValueFrom.FieldRef.FieldPath);
        foreach (var env in container.Env.Where(e => e.Value?.StartsWith("dns:///", StringComparison.Ordinal) == true))
        {
            string[] hostPort = env.Value["dns:///".Length..].Split(':');
            var service = Assert.Single(services, s => s.Metadata.Name == hostPort[0]);
            Assert.Contains(service.Spec.Ports, p => p.Name == "grpc" && p.Port == int.Parse(hostPort[1], CultureInfo.InvariantCulture));
        }

        // Mounts: data from the claim template (not the engine) and /tmp; no service-account token injected.
        var mounts = container.VolumeMounts.Select(m => (m.Name, m.MountPath)).ToList();
        Assert.Contains(("tmp", "/tmp"), mounts);
        Assert.DoesNotContain(mounts, m => m.MountPath.StartsWith("/var/run/secrets", StringComparison.Ordinal));
        if (name == "engine")
        {
            Assert.Equal(["tmp"], mounts.Select(m => m.Name));
        }
        else
        {
            Assert.Contains(("data", "/data"), mounts);
            Assert.Equal($"data-{name}-0", Assert.Single(spec.Volumes, v => v.Name == "data").PersistentVolumeClaim.ClaimName);
        }

        // Security context: non-root, read-only root, no capabilities, RuntimeDefault seccomp, no token.
        Assert.Equal("engula-sa", spec.ServiceAccountName);
        Assert.False(spec.AutomountServiceAccountToken);
        Assert.True(spec.SecurityContext.RunAsNonRoot);
        Assert.Equal(10001, spec.SecurityContext.RunAsUser);
        Assert.Equal("RuntimeDefault", spec.SecurityContext.SeccompProfile.Type);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);

        // Probes and pod DNS <pod>.<service> as the original README has it.
        Assert.Equal(name == "engine" ? "http" : "admin", container.ReadinessProbe.HttpGet.Port.Value);
        Assert.Equal(pod.Metadata.Name, spec.Hostname);
        Assert.Equal(name, spec.Subdomain);
    }
}
