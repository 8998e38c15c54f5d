using System.Globalization;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace Engula.Publishing.Tests;

/// <summary>
/// The directory the real publish command writes, deployed to a real API server (1.20.2 with kube-controller-manager,
/// or ENGULA_TEST_KUBECONFIG) as a user does — <c>kubectl apply -k</c>, server-side, the files as written: published
/// for the server's version, every object is created at the group-version of its file, and the StatefulSet
/// controller creates pods whose command, env, ports, mounts and security context (and init container) are those of
/// the published files. Published for current servers (the default), the directory does not apply to 1.20.
/// </summary>
[Collection(KubeCollection.Name)]
public sealed class ApiServerTests(KubeTestCluster cluster) : IDisposable
{
    private const string FieldManager = "engula-publish-tests";
    private readonly string _dir = Directory.CreateTempSubdirectory("engula-publish-kube-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("fsGroup")]
    [InlineData("initContainer")]
    public async Task Published_for_the_servers_version_kubectl_apply_k_creates_every_object_as_written_and_the_StatefulSets_create_pods_with_the_published_spec(string permissions)
    {
        var ct = TestContext.Current.CancellationToken;
        string output = Path.Combine(_dir, "out");
        // The server's own version string (v1.20.2 on the test server): 1.20 there, so PodDisruptionBudgets are policy/v1beta1.
        string target = cluster.Version.GitVersion;
        var publish = await PublishCommand.RunAsync(output, [$"--Engula:Kubernetes:TargetVersion={target}", $"--Engula:DataVolumePermissions={permissions}"], ct);
        Assert.True(publish.ExitCode == 0, publish.Output);
        var objects = PublishCommand.LoadObjects(output);
        Assert.All(objects.OfType<V1PodDisruptionBudget>(), p => Assert.Equal(cluster.HasPolicyV1 ? "policy/v1" : "policy/v1beta1", p.ApiVersion));
        await using var ns = await cluster.CreateNamespaceAsync(ct);

        // kubectl maps each document's apiVersion and kind through the server's discovery, and applies every object.
        var apply = await KubectlAsync(ct, "apply", "-k", output, "-n", ns.Name, "--server-side", "--field-manager", FieldManager);
        Assert.True(apply.ExitCode == 0, $"kubectl apply -k exit {apply.ExitCode}:\n{apply.StandardOutput}{apply.StandardError}");
        Assert.Equal(objects.Count, apply.StandardOutput.Split('\n').Count(l => l.EndsWith(" serverside-applied", StringComparison.Ordinal)));

        // Every written object exists at the group-version it was written with, with its labels.
        var get = await KubectlAsync(ct, "get", "-k", output, "-n", ns.Name, "-o", "json");
        Assert.True(get.ExitCode == 0, get.StandardError);
        var live = JsonDocument.Parse(get.StandardOutput).RootElement.GetProperty("items").EnumerateArray()
            .Select(i => KubernetesJson.Deserialize<LiveObject>(i.GetRawText()))
            .ToDictionary(o => (o.ApiVersion, o.Kind, o.Metadata.Name));
        Assert.Equal(objects.Count, live.Count);
        foreach (var obj in objects)
        {
            Assert.True(live.TryGetValue((obj.ApiVersion, obj.Kind, obj.Metadata.Name), out var applied), $"{obj.ApiVersion} {obj.Kind}/{obj.Metadata.Name} was not created");
            Assert.False(string.IsNullOrEmpty(applied.Metadata.Uid), $"{obj.Kind}/{obj.Metadata.Name} has no uid");
            Assert.Equal(ns.Name, applied.Metadata.NamespaceProperty);
            Assert.Equal(obj.Metadata.Labels, applied.Metadata.Labels);
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
        Assert.Equal(permissions == "initContainer" ? 3 : 0, pods.Values.Count(p => p.Spec.InitContainers is { Count: > 0 }));
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"server {cluster.Version.GitVersion}: publish {publish.Elapsed.TotalSeconds:F2} s (TargetVersion={target}, DataVolumePermissions={permissions}), " +
            $"{objects.Count} objects applied by kubectl apply -k (PDB as {objects.OfType<V1PodDisruptionBudget>().First().ApiVersion}), {pods.Count} pods inspected, {claims.Count} PVCs");
    }

    [Fact]
    public async Task Published_without_a_TargetVersion_kubectl_apply_k_on_a_1_20_server_fails_naming_the_PodDisruptionBudget_kind()
    {
        var ct = TestContext.Current.CancellationToken;
        if (cluster.HasPolicyV1)
        {
            Assert.Skip($"the server ({cluster.Version.GitVersion}) serves policy/v1: the default output applies to it");
        }

        string output = Path.Combine(_dir, "out");
        var publish = await PublishCommand.RunAsync(output, [], ct);
        Assert.True(publish.ExitCode == 0, publish.Output);
        Assert.All(PublishCommand.LoadObjects(output).OfType<V1PodDisruptionBudget>(), p => Assert.Equal("policy/v1", p.ApiVersion));
        await using var ns = await cluster.CreateNamespaceAsync(ct);

        var apply = await KubectlAsync(ct, "apply", "-k", output, "-n", ns.Name, "--server-side", "--field-manager", FieldManager);

        Assert.NotEqual(0, apply.ExitCode);
        Assert.Contains("no matches for kind \"PodDisruptionBudget\" in version \"policy/v1\"", apply.StandardError, StringComparison.Ordinal);
        TestContext.Current.TestOutputHelper?.WriteLine($"kubectl apply -k of the default output on {cluster.Version.GitVersion}: exit {apply.ExitCode}: {apply.StandardError.Trim()}");
    }

    private Task<ProcessRunner.Result> KubectlAsync(CancellationToken ct, params string[] args) =>
        ProcessRunner.RunAsync("kubectl", ["--kubeconfig", cluster.KubeconfigPath, .. args], TimeSpan.FromSeconds(90), ct);

    /// <summary>An item of <c>kubectl get -o json</c>: only what identifies it.</summary>
    private sealed class LiveObject : IKubernetesObject<V1ObjectMeta>
    {
        [System.Text.Json.Serialization.JsonPropertyName("apiVersion")]
        public string ApiVersion { get; set; } = "";

        [System.Text.Json.Serialization.JsonPropertyName("kind")]
        public string Kind { get; set; } = "";

        [System.Text.Json.Serialization.JsonPropertyName("metadata")]
        public V1ObjectMeta Metadata { get; set; } = new();
    }

    private static void Inspect(V1StatefulSet set, V1Pod pod, IList<V1Service> services)
    {
        string name = set.Metadata.Name;
        var expected = Assert.Single(set.Spec.Template.Spec.Containers);
        var spec = pod.Spec;
        var container = Assert.Single(spec.Containers);

        // Command: /bin/engula <component> run 0.0.0.0:<port> ….
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

        // The init container, when published: as written, so uid 0 and CAP_CHOWN survived the server's validation.
        var expectedInit = set.Spec.Template.Spec.InitContainers ?? [];
        Assert.Equal(
            expectedInit.Select(c => (c.Name, c.Image, string.Join(' ', c.Command), c.SecurityContext.RunAsUser, string.Join(',', c.SecurityContext.Capabilities.Add))),
            (spec.InitContainers ?? []).Select(c => (c.Name, c.Image, string.Join(' ', c.Command), c.SecurityContext.RunAsUser, string.Join(',', c.SecurityContext.Capabilities.Add))));

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
