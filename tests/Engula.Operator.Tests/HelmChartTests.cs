using System.Reflection;
using System.Text.Json.Nodes;
using Engula.Operator.Manifests;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Engula.Operator.Tests;

/// <summary>
/// The Helm chart deploy/helm/engula-operator: the committed files are what the C# types generate, and the real helm
/// (eng/provision/helm.sh) lints it and renders install.yaml's objects from it.
/// </summary>
public sealed class HelmChartTests
{
    private const string Regenerate = "run `dotnet run --project Engula.Operator -- generate-helm-chart deploy/helm/engula-operator`";

    /// <summary>The labels the chart adds beside install.yaml's.</summary>
    private static readonly string[] HelmOnlyLabels = ["helm.sh/chart", "app.kubernetes.io/instance", "app.kubernetes.io/managed-by", "app.kubernetes.io/version"];

    private static string InstallYaml => Path.Combine(RepositoryPaths.Root, "deploy", "operator", "install.yaml");

    public static TheoryData<string> ChartFiles() => [.. HelmChart.Files().Select(f => f.File)];

    [Theory]
    [MemberData(nameof(ChartFiles))]
    public void Committed_chart_file_equals_what_the_types_generate(string file)
    {
        string expected = HelmChart.Files().Single(f => f.File == file).Content;
        string path = Path.Combine(Helm.ChartDir, file);
        Assert.True(File.Exists(path), $"{path} is missing: {Regenerate}");
        Assert.True(expected == File.ReadAllText(path), $"{path} differs from the generated chart: {Regenerate}");
    }

    [Fact]
    public void The_chart_directory_holds_only_generated_files()
    {
        var committed = Directory.EnumerateFiles(Helm.ChartDir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Helm.ChartDir, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal);
        Assert.Equal(HelmChart.Files().Select(f => f.File).Order(StringComparer.Ordinal), committed);
    }

    [Fact]
    public void Chart_version_and_appVersion_are_the_operators_version()
    {
        string assemblyVersion = typeof(HelmChart).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
        var chart = File.ReadAllLines(Path.Combine(Helm.ChartDir, "Chart.yaml"));
        Assert.Contains($"version: {assemblyVersion}", chart);
        Assert.Contains($"appVersion: {assemblyVersion}", chart);
        Assert.EndsWith(":" + assemblyVersion, InstallManifests.Image, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Helm_lint_passes_strictly_with_default_and_with_every_value_set()
    {
        var ct = TestContext.Current.CancellationToken;
        string values = Helm.WriteValues(Helm.EveryValue);
        try
        {
            foreach (string[] extra in new[] { Array.Empty<string>(), ["--values", values] })
            {
                var lint = await Helm.RunAsync(ct, ["lint", "--strict", Helm.ChartDir, .. extra]);
                Assert.True(lint.ExitCode == 0, $"helm lint {string.Join(' ', extra)} failed ({lint.ExitCode}):\n{lint.StandardOutput}{lint.StandardError}");
                Assert.Contains("1 chart(s) linted, 0 chart(s) failed", lint.StandardOutput, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(values)!, recursive: true);
        }
    }

    [Fact]
    public async Task Default_values_render_install_yamls_objects_with_Helms_labels()
    {
        var rendered = await Helm.ObjectsAsync(TestContext.Current.CancellationToken, "--namespace", InstallManifests.Namespace);

        // install.yaml without its Namespace (a release goes into an existing or --create-namespace namespace) and
        // CRDs (the chart's crds/, compared below).
        var expected = Helm.Load(File.ReadAllText(InstallYaml)).Where(o => o is not V1Namespace and not V1CustomResourceDefinition).Select(Helm.Json).ToList();
        var actual = rendered.Select(Helm.Json).ToList();
        Assert.Equal(expected.Select(e => e.Id).Order(StringComparer.Ordinal), actual.Select(a => a.Id).Order(StringComparer.Ordinal));
        foreach (var (id, json) in actual)
        {
            foreach (var labels in LabelMaps(json))
            {
                Assert.Equal("Helm", labels["app.kubernetes.io/managed-by"]?.GetValue<string>());
                Assert.Equal(Helm.Release, labels["app.kubernetes.io/instance"]?.GetValue<string>());
                Assert.Equal($"{HelmChart.Name}-{InstallManifests.Version}", labels["helm.sh/chart"]?.GetValue<string>());
                foreach (string label in HelmOnlyLabels)
                {
                    labels.Remove(label);
                }
            }

            var want = expected.Single(e => e.Id == id).Json;
            Assert.True(JsonNode.DeepEquals(want, json), $"{id} rendered by helm differs from install.yaml's:\n{json.ToJsonString()}\ninstall.yaml:\n{want.ToJsonString()}");
        }
    }

    [Fact]
    public async Task The_charts_CRDs_are_install_yamls()
    {
        var show = await Helm.RunAsync(TestContext.Current.CancellationToken, "show", "crds", Helm.ChartDir);
        Assert.True(show.ExitCode == 0, show.StandardError);
        var expected = Helm.Load(File.ReadAllText(InstallYaml)).OfType<V1CustomResourceDefinition>().Select(Helm.Json).ToList();
        var actual = Helm.Load(show.StandardOutput).Select(Helm.Json).ToList();
        Assert.Equal(6, actual.Count);
        Assert.Equal(expected.Select(e => e.Id), actual.Select(a => a.Id));
        foreach (var ((id, want), (_, json)) in expected.Zip(actual))
        {
            Assert.True(JsonNode.DeepEquals(want, json), $"{id} in the chart's crds/ differs from install.yaml's");
        }
    }

    [Fact]
    public async Task Namespace_image_tag_and_replicas_change_exactly_those_fields()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = Flatten(await Helm.ObjectsAsync(ct, "--namespace", InstallManifests.Namespace));
        var after = Flatten(await Helm.ObjectsAsync(ct, "--namespace", "x", "--set", "image.tag=y,replicas=3"));

        var changed = before.Keys.Union(after.Keys).Where(k => before.GetValueOrDefault(k) != after.GetValueOrDefault(k))
            .Order(StringComparer.Ordinal).Select(k => $"{k} = {after.GetValueOrDefault(k) ?? "(absent)"}");
        Assert.Equal(
            new[]
            {
                "ClusterRoleBinding/engula-operator subjects.0.namespace = \"x\"",
                "Deployment/engula-operator metadata.namespace = \"x\"",
                "Deployment/engula-operator spec.replicas = 3",
                $"Deployment/engula-operator spec.template.spec.containers.0.image = \"{InstallManifests.ImageRepository}:y\"",
                "Role/engula-operator-leader-election metadata.namespace = \"x\"",
                "RoleBinding/engula-operator-leader-election metadata.namespace = \"x\"",
                "RoleBinding/engula-operator-leader-election subjects.0.namespace = \"x\"",
                "ServiceAccount/engula-operator metadata.namespace = \"x\"",
            },
            changed);
    }

    [Fact]
    public async Task Every_value_reaches_the_Deployment()
    {
        var ct = TestContext.Current.CancellationToken;
        // The test's values cover every key of values.yaml: a new value needs a line in Helm.EveryValue and here.
        string values = Helm.WriteValues(Helm.EveryValue);
        try
        {
            var keys = await Helm.RunAsync(ct, "show", "values", Helm.ChartDir);
            Assert.Equal(0, keys.ExitCode);
            foreach (string key in HelmChart.ValueKeys())
            {
                string leaf = key.Split('.')[^1];
                Assert.True(Helm.EveryValue.Contains(leaf + ":", StringComparison.Ordinal), $"Helm.EveryValue does not set {key}");
                Assert.Contains(leaf + ":", keys.StandardOutput, StringComparison.Ordinal);
            }

            var deployment = (await Helm.ObjectsAsync(ct, "--values", values)).OfType<V1Deployment>().Single();
            var pod = deployment.Spec.Template.Spec;
            var container = Assert.Single(pod.Containers);
            Assert.Equal("registry.example.com/team/engula-operator:1.2", container.Image);
            Assert.Equal("Always", container.ImagePullPolicy);
            Assert.Equal("regcred", Assert.Single(pod.ImagePullSecrets).Name);
            Assert.Equal(3, deployment.Spec.Replicas);
            Assert.Equal(
                ("100m", "200Mi", "1", "300Mi"),
                (container.Resources.Requests["cpu"].ToString(), container.Resources.Requests["memory"].ToString(),
                    container.Resources.Limits["cpu"].ToString(), container.Resources.Limits["memory"].ToString()));
            Assert.Equal(new[] { "--http", "0.0.0.0:8080", "--rollout-timeout-seconds", "1200", "--namespace", "team-a" }, container.Args);
            Assert.Equal("team-a", deployment.Spec.Template.Metadata.Annotations["example.com/owner"]);
            Assert.Equal("linux", pod.NodeSelector["kubernetes.io/os"]);
            var toleration = Assert.Single(pod.Tolerations);
            Assert.Equal(("dedicated", "Equal", "ops", "NoSchedule"), (toleration.Key, toleration.OperatorProperty, toleration.Value, toleration.Effect));
            Assert.Equal("kubernetes.io/arch",
                pod.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions[0].Key);
            // What is not a value stays as install.yaml has it: non-root, read-only root, nothing escalates.
            Assert.True(pod.SecurityContext.RunAsNonRoot);
            Assert.Equal(65532, pod.SecurityContext.RunAsUser);
            Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
            Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(values)!, recursive: true);
        }
    }

    [Theory]
    [InlineData("replica=3", "replica")]
    [InlineData("replicas=two", "replicas")]
    [InlineData("replicas=-1", "replicas")]
    [InlineData("image.pullPolicy=Sometimes", "pullPolicy")]
    [InlineData("rolloutTimeoutSeconds=0", "rolloutTimeoutSeconds")]
    public async Task The_values_schema_refuses_unknown_keys_and_wrong_values(string set, string named)
    {
        var result = await Helm.RunAsync(TestContext.Current.CancellationToken, "template", Helm.Release, Helm.ChartDir, "--set", set);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("schema", result.StandardError, StringComparison.Ordinal);
        Assert.Contains(named, result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_rendered_chart_passes_offline_schema_validation_for_current_Kubernetes()
    {
        var ct = TestContext.Current.CancellationToken;
        string values = Helm.WriteValues(Helm.EveryValue);
        try
        {
            foreach (string[] extra in new[] { Array.Empty<string>(), ["--values", values] })
            {
                // The validator reads files; the rendered chart goes into the values file's directory.
                string rendered = Path.Combine(Path.GetDirectoryName(values)!, "rendered.yaml");
                await File.WriteAllTextAsync(rendered, await Helm.TemplateAsync(ct, ["--include-crds", .. extra]), ct);
                var result = await ProcessRunner.RunAsync("node", [Path.Combine(RepositoryPaths.KubeDir, "validate.mjs"), rendered], TimeSpan.FromSeconds(60), ct);
                Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
            }
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(values)!, recursive: true);
        }
    }

    [Fact]
    public void The_operator_README_has_the_charts_values_table()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "operator", "README.md"));
        Assert.True(readme.Contains(HelmChart.ValuesTable(), StringComparison.Ordinal),
            "deploy/operator/README.md's Helm section must carry the chart's values table as the chart's README has it");
    }

    /// <summary>The labels of an object and of its pod template.</summary>
    internal static IEnumerable<JsonObject> LabelMaps(JsonObject obj)
    {
        if (obj["metadata"]?["labels"] is JsonObject labels)
        {
            yield return labels;
        }

        if (obj["spec"]?["template"]?["metadata"]?["labels"] is JsonObject podLabels)
        {
            yield return podLabels;
        }
    }

    /// <summary>Every leaf of every object: "Kind/name path.to.leaf" → its JSON.</summary>
    private static Dictionary<string, string> Flatten(IEnumerable<IKubernetesObject> objects)
    {
        var leaves = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (id, json) in objects.Select(Helm.Json))
        {
            Walk(json, "");

            void Walk(JsonNode? node, string path)
            {
                switch (node)
                {
                    case JsonObject o:
                        foreach (var (key, child) in o)
                        {
                            Walk(child, path.Length == 0 ? key : $"{path}.{key}");
                        }

                        break;
                    case JsonArray a:
                        for (int i = 0; i < a.Count; i++)
                        {
                            Walk(a[i], $"{path}.{i}");
                        }

                        break;
                    default:
                        leaves.Add($"{id} {path}", node?.ToJsonString() ?? "null");
                        break;
                }
            }
        }

        return leaves;
    }
}

/// <summary>The chart's objects as the real API server sees them (server-side apply, dry run: nothing is stored).</summary>
[Collection(KubeCollection.Name)]
public sealed class HelmChartServerTests(KubeTestCluster cluster)
{
    [Fact]
    public async Task The_rendered_objects_are_accepted_by_the_API_server()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        string values = Helm.WriteValues(Helm.EveryValue);
        try
        {
            foreach (string[] extra in new[] { Array.Empty<string>(), ["--values", values] })
            {
                var objects = await Helm.ObjectsAsync(ct, ["--namespace", ns.Name, .. extra]);
                Assert.Equal(6, objects.Count);
                foreach (var obj in objects)
                {
                    var accepted = await DryRunApplyAsync(cluster.Client, obj, ns.Name, ct);
                    // Dry run or not, the answer is the object as it would be stored: defaults filled in, ours kept.
                    Assert.Equal((obj.Kind, ((IMetadata<V1ObjectMeta>)obj).Metadata.Name), (accepted.Kind, ((IMetadata<V1ObjectMeta>)accepted).Metadata.Name));
                    if (accepted is V1Deployment deployment)
                    {
                        var expected = (V1Deployment)obj;
                        Assert.Equal(expected.Spec.Template.Spec.Containers[0].Image, deployment.Spec.Template.Spec.Containers[0].Image);
                        Assert.Equal(expected.Spec.Replicas, deployment.Spec.Replicas);
                    }
                }

                // Nothing was stored.
                Assert.Empty((await cluster.Client.AppsV1.ListNamespacedDeploymentAsync(ns.Name, cancellationToken: ct)).Items);
            }
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(values)!, recursive: true);
        }
    }

    /// <summary>
    /// Server-side apply with dryRun=All: validation and admission as for a real create, nothing stored. Apply rather
    /// than create, because another test may have created the cluster-scoped ClusterRole engula-operator for real.
    /// </summary>
    private static async Task<IKubernetesObject> DryRunApplyAsync(IKubernetes client, IKubernetesObject obj, string ns, CancellationToken ct)
    {
        const string DryRun = "All";
        const string Manager = "helm-chart-test";
        var patch = new V1Patch(obj, V1Patch.PatchType.ApplyPatch);
        try
        {
            return obj switch
            {
                V1ServiceAccount sa => await client.CoreV1.PatchNamespacedServiceAccountAsync(patch, sa.Metadata.Name, Namespace(sa.Metadata, ns), DryRun, Manager, force: true, cancellationToken: ct),
                V1ClusterRole r => await client.RbacAuthorizationV1.PatchClusterRoleAsync(patch, r.Metadata.Name, DryRun, Manager, force: true, cancellationToken: ct),
                V1ClusterRoleBinding b => await client.RbacAuthorizationV1.PatchClusterRoleBindingAsync(patch, b.Metadata.Name, DryRun, Manager, force: true, cancellationToken: ct),
                V1Role r => await client.RbacAuthorizationV1.PatchNamespacedRoleAsync(patch, r.Metadata.Name, Namespace(r.Metadata, ns), DryRun, Manager, force: true, cancellationToken: ct),
                V1RoleBinding b => await client.RbacAuthorizationV1.PatchNamespacedRoleBindingAsync(patch, b.Metadata.Name, Namespace(b.Metadata, ns), DryRun, Manager, force: true, cancellationToken: ct),
                V1Deployment d => await client.AppsV1.PatchNamespacedDeploymentAsync(patch, d.Metadata.Name, Namespace(d.Metadata, ns), DryRun, Manager, force: true, cancellationToken: ct),
                _ => throw new InvalidOperationException($"the chart rendered an unexpected {obj.Kind}"),
            };
        }
        catch (HttpOperationException e)
        {
            throw new InvalidOperationException($"the API server refused {obj.Kind}: {(int)e.Response.StatusCode} {e.Response.Content}", e);
        }
    }

    /// <summary>The rendered namespace, which must be the release's.</summary>
    private static string Namespace(V1ObjectMeta metadata, string ns)
    {
        Assert.Equal(ns, metadata.NamespaceProperty);
        return ns;
    }
}
