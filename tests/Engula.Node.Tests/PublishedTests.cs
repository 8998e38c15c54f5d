using System.Diagnostics;
using k8s;

namespace Engula.Node.Tests;

/// <summary>
/// The AppHost's published manifests (the real publish command, targeting this 1.20 node), applied with
/// <c>kubectl apply -k</c> into a namespace of their own: four pods Ready, put and get by the engine's DNS name from
/// inside the cluster, peers' names resolving.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class PublishedTests(KubeNode node)
{
    [Fact]
    public async Task The_published_directory_applies_with_kubectl_and_runs_four_pods_that_answer_put_and_get_in_cluster()
    {
        var ct = TestContext.Current.CancellationToken;
        await node.OperatorAsync(ct); // not needed by the published objects; keeps the tier's start-up in one place
        const string ns = "engula-published";
        string root = Directory.CreateTempSubdirectory("engula-published-").FullName;
        try
        {
            string published = Path.Combine(root, "base");
            var publish = await ProcessRunner.RunAsync("dotnet",
                [AppHostDll, "--operation", "publish", "--step", "publish", "--output-path", published, "--Engula:Kubernetes:TargetVersion=1.20"],
                TimeSpan.FromSeconds(120), ct,
                new Dictionary<string, string> { ["DOTNET_ENVIRONMENT"] = "Production", ["ASPNETCORE_ENVIRONMENT"] = "Production" });
            Assert.True(publish.ExitCode == 0, publish.StandardOutput + publish.StandardError);

            // The namespace through an overlay, as a user would set it (`kustomize edit set namespace`).
            string overlay = Path.Combine(root, "overlay");
            Directory.CreateDirectory(overlay);
            await File.WriteAllTextAsync(Path.Combine(overlay, "kustomization.yaml"), $"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: {ns}\nresources:\n- ../base\n", ct);
            await SampleCluster.EnsureNamespaceAsync(node, ns, ct);

            var started = Stopwatch.GetTimestamp();
            await Kubectl.RunAsync(node, ct, "apply", "-k", overlay);
            var cluster = new SampleCluster(node, ns, "");
            await cluster.WaitReadyAsync(ct);
            Timings.Record("published_apply_to_4_ready", Stopwatch.GetElapsedTime(started));

            var service = await node.Client.CoreV1.ReadNamespacedServiceAsync("engine", ns, cancellationToken: ct);
            int port = service.Spec.Ports.Single(p => p.Name == "http").Port;
            var client = new InCluster(node, ns);
            await client.StartAsync(ct);
            Assert.Equal((200, "put success"), await client.GetAsync(cluster.EngineHost, port, "/put?key=1&value=111", ct));
            Assert.Equal((200, "111"), await client.GetAsync(cluster.EngineHost, port, "/get?key=1", ct));
            foreach (var component in new[] { "journal", "storage", "kernel", "engine" })
            {
                string ip = await Pods.IpAsync(node, ns, cluster.Pod(component), ct);
                Assert.Equal([ip], await client.ResolveAsync($"{cluster.Pod(component)}.{component}", ct));
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Aspire_deploy_builds_and_pushes_the_image_to_the_node_mirror_runs_four_pods_from_its_digest_and_destroy_removes_them()
    {
        var ct = TestContext.Current.CancellationToken;
        const string ns = "engula-deployed";
        await SampleCluster.EnsureNamespaceAsync(node, ns, ct);
        string registry = "127.0.0.1:" + (await File.ReadAllTextAsync(Path.Combine(node.StateDir!, "mirror.port"), ct)).Trim();
        string baseImage = await LoopbackRegistry.LocalBaseImageAsync(ct);
        string[] target = [$"--Engula:Kubeconfig={node.KubeconfigPath}", $"--Engula:Namespace={ns}"];

        // What `aspire deploy --Engula:Registry=…` runs: build the image, push it, apply the objects pinned to the pushed
        // digest, wait for the four StatefulSets to be ready — with real pods that pull the image from the registry.
        var started = Stopwatch.GetTimestamp();
        var deploy = await RunAsync("deploy", [.. target, $"--Engula:Registry={registry}", $"--Engula:ImageBase={baseImage}", "--Engula:DeployTimeout=300"], TimeSpan.FromMinutes(10), ct);
        Assert.True(deploy.ExitCode == 0, deploy.StandardOutput + deploy.StandardError);
        Timings.Record("aspire_deploy_build_push_to_4_ready", Stopwatch.GetElapsedTime(started));
        var pushed = System.Text.RegularExpressions.Regex.Match(deploy.StandardOutput, @"Engula image pushed: (\S+@(sha256:[0-9a-f]{64}))");
        Assert.True(pushed.Success, deploy.StandardOutput);
        string pinned = pushed.Groups[1].Value, digest = pushed.Groups[2].Value;
        Assert.StartsWith($"{registry}/engula:0.2.0@", pinned, StringComparison.Ordinal);
        Assert.Contains("Engula deployed: 17 objects (17 changed)", deploy.StandardOutput, StringComparison.Ordinal);

        var cluster = new SampleCluster(node, ns, "");
        foreach (var component in new[] { "journal", "storage", "kernel", "engine" })
        {
            var pod = await node.Client.CoreV1.ReadNamespacedPodAsync(cluster.Pod(component), ns, cancellationToken: ct);
            Assert.Equal(pinned, Assert.Single(pod.Spec.Containers).Image);
            var status = Assert.Single(pod.Status.ContainerStatuses);
            Assert.True(status.Ready, $"{component}: {status.State}");
            Assert.EndsWith(digest, status.ImageID, StringComparison.Ordinal); // the runtime ran exactly the pushed image
        }

        var service = await node.Client.CoreV1.ReadNamespacedServiceAsync("engine", ns, cancellationToken: ct);
        int port = service.Spec.Ports.Single(p => p.Name == "http").Port;
        var client = new InCluster(node, ns);
        await client.StartAsync(ct);
        Assert.Equal((200, "put success"), await client.GetAsync(cluster.EngineHost, port, "/put?key=deployed&value=by-aspire", ct));
        Assert.Equal((200, "by-aspire"), await client.GetAsync(cluster.EngineHost, port, "/get?key=deployed", ct));

        var destroy = await RunAsync("destroy", target, TimeSpan.FromMinutes(3), ct);
        Assert.True(destroy.ExitCode == 0, destroy.StandardOutput + destroy.StandardError);
        Assert.Contains("Engula destroyed: 17 objects deleted", destroy.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("kept 3 data volumes", destroy.StandardOutput, StringComparison.Ordinal);
        await Poll.UntilAsync("the deployed StatefulSets' pods are gone", async token =>
        {
            var pods = await node.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "app.kubernetes.io/part-of=engula", cancellationToken: token);
            return (pods.Items.Count == 0, string.Join(", ", pods.Items.Select(p => p.Metadata.Name)));
        }, TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(500), ct);
    }

    private static Task<ProcessRunner.Result> RunAsync(string step, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken ct) =>
        ProcessRunner.RunAsync("dotnet", [AppHostDll, "--operation", "publish", "--step", step, .. arguments], timeout, ct,
            new Dictionary<string, string>
            {
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["CONTAINERS_CONF"] = Path.Combine(RepositoryPaths.Root, "eng", "image", "containers.conf"),
            });

    private static string AppHostDll
    {
        get
        {
            string dll = RepositoryPaths.AppHostDll;
            Assert.True(File.Exists(dll), $"{dll} is missing: build tests/Engula.Node.Tests (it references the AppHost)");
            return dll;
        }
    }
}
