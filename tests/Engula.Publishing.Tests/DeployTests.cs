using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Engula.Publishing.Tests;

/// <summary>
/// <c>aspire deploy</c> and <c>aspire destroy</c> as the Aspire CLI runs them — the built AppHost with
/// <c>--operation publish --step deploy|destroy</c> — against the real API server (1.20.2 with
/// kube-controller-manager, no kubelet: the test marks the StatefulSets' pods Ready, as a node would).
/// </summary>
[Collection(KubeCollection.Name)]
public sealed class DeployTests(KubeTestCluster cluster)
{
    private static readonly string[] Components = ["journal", "storage", "kernel", "engine"];

    [Fact]
    public async Task Deploy_applies_every_object_waits_for_ready_then_a_second_deploy_writes_nothing_and_destroy_keeps_the_data_unless_asked()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        string[] target = [$"--Engula:Kubeconfig={cluster.KubeconfigPath}", $"--Engula:Namespace={ns.Name}", "--Engula:DeployTimeout=120"];

        // The deploy waits for readiness; the pods become Ready only when this test says so, one after another.
        var deploy = RunAsync("deploy", target, ct);
        foreach (var component in Components)
        {
            await MarkReadyAsync(ns.Name, component + "-0", deploy, ct);
        }

        var first = await deploy;
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains("Engula deployed: 17 objects (17 changed)", first.Output, StringComparison.Ordinal);
        Assert.Contains($"kubectl port-forward -n {ns.Name} statefulset/engine 24568:24568", first.Output, StringComparison.Ordinal);

        // Every object is there, written by deploy's field manager.
        var sets = (await cluster.Client.AppsV1.ListNamespacedStatefulSetAsync(ns.Name, cancellationToken: ct)).Items;
        Assert.Equal(Components.Order(StringComparer.Ordinal), sets.Select(s => s.Metadata.Name).Order(StringComparer.Ordinal));
        Assert.All(sets, s => Assert.Contains(s.Metadata.ManagedFields, f => f.Manager == "engula-deploy"));
        // No Engula:Registry: nothing is built or pushed, and every container runs the configured image.
        Assert.All(sets, s => Assert.Equal("ghcr.io/engula/engula:0.2.0", Assert.Single(s.Spec.Template.Spec.Containers, c => c.Name == "engula").Image));
        var before = await ResourceVersionsAsync(ns.Name, ct);
        Assert.Equal(17, before.Count);

        var second = await RunAsync("deploy", target, ct);
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.True(second.Output.Contains("Engula deployed: 17 objects (0 changed)", StringComparison.Ordinal), second.Output);
        Assert.Equal(before, await ResourceVersionsAsync(ns.Name, ct));

        var destroy = await RunAsync("destroy", target, ct);
        Assert.True(destroy.ExitCode == 0, destroy.Output);
        Assert.Contains("Engula destroyed: 17 objects deleted", destroy.Output, StringComparison.Ordinal);
        Assert.Contains("kept 3 data volumes (data-journal-0, data-kernel-0, data-storage-0)", destroy.Output, StringComparison.Ordinal);
        Assert.Empty(await ResourceVersionsAsync(ns.Name, ct));
        var claims = (await cluster.Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns.Name, cancellationToken: ct)).Items;
        Assert.Equal(3, claims.Count(c => c.Metadata.DeletionTimestamp is null));

        var wipe = await RunAsync("destroy", [.. target, "--Engula:DeleteData=true"], ct);
        Assert.True(wipe.ExitCode == 0, wipe.Output);
        Assert.Contains("Engula destroyed: 3 objects deleted", wipe.Output, StringComparison.Ordinal);
        claims = (await cluster.Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns.Name, cancellationToken: ct)).Items;
        Assert.All(claims, c => Assert.NotNull(c.Metadata.DeletionTimestamp)); // gone, or going once no pod uses them
    }

    [Fact]
    public async Task Deploy_to_an_unreachable_cluster_fails_with_one_line_naming_the_server()
    {
        var ct = TestContext.Current.CancellationToken;
        string dir = Directory.CreateTempSubdirectory("engula-deploy-").FullName;
        try
        {
            string kubeconfig = Path.Combine(dir, "kubeconfig");
            await File.WriteAllTextAsync(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: nowhere
                  cluster:
                    server: https://127.0.0.1:1
                    insecure-skip-tls-verify: true
                contexts:
                - name: nowhere
                  context:
                    cluster: nowhere
                    user: nobody
                current-context: nowhere
                users:
                - name: nobody
                  user:
                    token: not-a-secret
                """, ct);

            var run = await RunAsync("deploy", [$"--Engula:Kubeconfig={kubeconfig}"], ct);

            Assert.NotEqual(0, run.ExitCode);
            Assert.Contains("cannot reach the Kubernetes API server at https://127.0.0.1:1", run.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Deploy_with_a_registry_builds_and_pushes_the_image_and_pins_every_container_to_the_digest_the_registry_stored()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var registry = await LoopbackRegistry.StartAsync(ct);
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        string baseImage = await LoopbackRegistry.LocalBaseImageAsync(ct);
        string[] arguments =
        [
            $"--Engula:Kubeconfig={cluster.KubeconfigPath}", $"--Engula:Namespace={ns.Name}", "--Engula:DeployTimeout=240",
            $"--Engula:Registry={registry.Address}", $"--Engula:ImageBase={baseImage}",
        ];

        // Publishing the server self-contained and building the image come first: minutes on a busy machine.
        var deploy = RunAsync("deploy", arguments, ct, TimeSpan.FromMinutes(8));
        foreach (var component in Components)
        {
            await MarkReadyAsync(ns.Name, component + "-0", deploy, ct, TimeSpan.FromMinutes(6));
        }

        var run = await deploy;
        Assert.True(run.ExitCode == 0, run.Output);
        string digest = await registry.ManifestDigestAsync("engula", "0.2.0", ct);
        string pinned = $"{registry.Address}/engula:0.2.0@{digest}";
        Assert.Contains("Engula image pushed: " + pinned, run.Output, StringComparison.Ordinal);
        var sets = (await cluster.Client.AppsV1.ListNamespacedStatefulSetAsync(ns.Name, cancellationToken: ct)).Items;
        Assert.Equal(4, sets.Count);
        Assert.All(sets, s => Assert.All(
            s.Spec.Template.Spec.Containers.Concat(s.Spec.Template.Spec.InitContainers ?? []).Where(c => c.Image.Contains("engula", StringComparison.Ordinal)),
            c => Assert.Equal(pinned, c.Image)));

        // Built again from the same code, the image is the same bytes (podman, timestamps at the epoch), so the same
        // digest: a second deploy finds nothing to change and rolls no pod.
        var again = await RunAsync("deploy", arguments, ct, TimeSpan.FromMinutes(8));
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Contains("Engula image pushed: " + pinned, again.Output, StringComparison.Ordinal);
        Assert.Contains("Engula deployed: 17 objects (0 changed)", again.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_image_steps_refuse_a_missing_or_malformed_registry_and_a_missing_engine_with_one_line_each()
    {
        var ct = TestContext.Current.CancellationToken;
        var noRegistry = await RunAsync("engula-image-push", [], ct);
        Assert.NotEqual(0, noRegistry.ExitCode);
        Assert.Contains("nothing to push to: set Engula:Registry", noRegistry.Output, StringComparison.Ordinal);

        var scheme = await RunAsync("engula-image-push", ["--Engula:Registry=http://localhost:5000"], ct);
        Assert.NotEqual(0, scheme.ExitCode);
        Assert.Contains("Engula:Registry='http://localhost:5000' names a scheme", scheme.Output, StringComparison.Ordinal);

        var noEngine = await RunAsync("engula-image-build", ["--Engula:ContainerEngine=/nonexistent/podman"], ct);
        Assert.NotEqual(0, noEngine.ExitCode);
        Assert.Contains("Engula:ContainerEngine='/nonexistent/podman' is not an executable here", noEngine.Output, StringComparison.Ordinal);

        var digest = await RunAsync("publish", ["--output-path", Path.Combine(Path.GetTempPath(), "engula-never-written"), "--Engula:ImageDigest=sha256:abc"], ct);
        Assert.NotEqual(0, digest.ExitCode);
        Assert.Contains("Engula:ImageDigest='sha256:abc' is not an image digest", digest.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Path.GetTempPath(), "engula-never-written")));
    }

    private sealed record Run(int ExitCode, string Output);

    private static async Task<Run> RunAsync(string step, IEnumerable<string> arguments, CancellationToken ct, TimeSpan? timeout = null)
    {
        var run = await ProcessRunner.RunAsync(
            "dotnet",
            [PublishCommand.AppHostDll, "--operation", "publish", "--step", step, .. arguments],
            timeout ?? TimeSpan.FromSeconds(180),
            ct,
            new Dictionary<string, string>
            {
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                // podman as this project's CI machines need it (runc, cgroupfs); the image steps run it.
                ["CONTAINERS_CONF"] = Path.Combine(RepositoryPaths.Root, "eng", "image", "containers.conf"),
            });
        return new Run(run.ExitCode, run.StandardOutput + run.StandardError);
    }

    /// <summary>Waits for the pod to exist (the StatefulSet controller creates it once the previous one is Ready), then marks it Ready.</summary>
    private async Task MarkReadyAsync(string ns, string pod, Task<Run> deploy, CancellationToken ct, TimeSpan? timeout = null)
    {
        await Engula.Tests.Shared.Polling.Poll.UntilAsync($"pod {pod} exists", async token =>
        {
            if (deploy.IsCompleted)
            {
                var result = await deploy;
                throw new InvalidOperationException($"deploy ended before {pod} existed (exit {result.ExitCode}):\n{result.Output}");
            }

            var pods = await cluster.Client.CoreV1.ListNamespacedPodAsync(ns, fieldSelector: "metadata.name=" + pod, cancellationToken: token);
            return (pods.Items.Count == 1, $"{pods.Items.Count} pods");
        }, timeout ?? TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(200), ct);
        await cluster.Client.CoreV1.PatchNamespacedPodStatusAsync(
            new V1Patch("{\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}", V1Patch.PatchType.MergePatch),
            pod, ns, cancellationToken: ct);
    }

    /// <summary>Kind/name → resourceVersion of every object deploy manages in <paramref name="ns"/>.</summary>
    private async Task<SortedDictionary<string, string>> ResourceVersionsAsync(string ns, CancellationToken ct)
    {
        const string selector = "app.kubernetes.io/part-of=engula";
        var client = cluster.Client;
        var versions = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var o in (await client.CoreV1.ListNamespacedServiceAccountAsync(ns, labelSelector: selector, cancellationToken: ct)).Items)
        {
            versions["ServiceAccount/" + o.Metadata.Name] = o.Metadata.ResourceVersion;
        }

        foreach (var o in (await client.CoreV1.ListNamespacedServiceAsync(ns, labelSelector: selector, cancellationToken: ct)).Items)
        {
            versions["Service/" + o.Metadata.Name] = o.Metadata.ResourceVersion;
        }

        foreach (var o in (await client.AppsV1.ListNamespacedStatefulSetAsync(ns, labelSelector: selector, cancellationToken: ct)).Items)
        {
            // A StatefulSet's status changes with its pods; deploy must not change its spec (generation) or metadata.
            versions["StatefulSet/" + o.Metadata.Name] = $"generation {o.Metadata.Generation}, labels {string.Join(",", o.Metadata.Labels)}";
        }

        foreach (var o in (await client.NetworkingV1.ListNamespacedNetworkPolicyAsync(ns, labelSelector: selector, cancellationToken: ct)).Items)
        {
            versions["NetworkPolicy/" + o.Metadata.Name] = o.Metadata.ResourceVersion;
        }

        string pdbVersion = cluster.HasPolicyV1 ? "v1" : "v1beta1";
        var pdbs = await client.CustomObjects.ListNamespacedCustomObjectAsync<V1PodDisruptionBudgetList>("policy", pdbVersion, ns, "poddisruptionbudgets", labelSelector: selector, cancellationToken: ct);
        foreach (var o in pdbs.Items)
        {
            // Its status (currentHealthy) follows the pods; the spec's generation is what deploy could change.
            versions["PodDisruptionBudget/" + o.Metadata.Name] = $"generation {o.Metadata.Generation}";
        }

        return versions;
    }
}
