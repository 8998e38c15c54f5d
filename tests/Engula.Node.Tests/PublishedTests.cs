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
