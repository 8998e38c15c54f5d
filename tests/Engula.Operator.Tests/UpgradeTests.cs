using System.Text.Json.Nodes;
using k8s;

namespace Engula.Operator.Tests;

/// <summary>
/// Upgrading the operator must never restart database pods: for the original sample Cluster, the pod templates of
/// the StatefulSets that each released operator made are kept as test data (<c>Golden/upgrade/&lt;release&gt;/</c>),
/// and this operator must produce exactly those templates — a changed template is a rolling restart of every pod on
/// upgrade. A new release that must change a template adds its own directory and says why in its release notes;
/// the older directories then fail, on purpose, until that decision is made.
/// </summary>
[Collection(KubeCollection.Name)]
public sealed class UpgradeTests(KubeTestCluster cluster)
{
    private static readonly string[] Components = ["journal", "storage", "kernel", "engine"];

    private static string GoldenRoot => Path.Combine(RepositoryPaths.Root, "tests", "Engula.Operator.Tests", "Golden", "upgrade");

    [Fact]
    public async Task The_sample_Clusters_pod_templates_are_those_every_released_operator_made()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ns = await cluster.CreateNamespaceAsync(ct);
        await using var op = await RunningOperator.StartAsync(cluster, ns.Name, ct);
        await Samples.ReadySampleAsync(cluster, ns.Name, ct);

        var templates = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var component in Components)
        {
            var set = await Kube.StatefulSetAsync(cluster.Client, ns.Name, "cluster-sample-" + component, ct);
            templates[component] = Normalize(KubernetesJson.Serialize(set!.Spec.Template));
        }

        // ENGULA_UPDATE_GOLDEN=<release> records this operator's templates as that release's (when cutting a release).
        if (Environment.GetEnvironmentVariable("ENGULA_UPDATE_GOLDEN") is { Length: > 0 } release)
        {
            var dir = Directory.CreateDirectory(Path.Combine(GoldenRoot, release));
            foreach (var (component, json) in templates)
            {
                await File.WriteAllTextAsync(Path.Combine(dir.FullName, component + ".template.json"), json + "\n", ct);
            }
        }

        var releases = Directory.GetDirectories(GoldenRoot);
        Assert.NotEmpty(releases);
        foreach (var dir in releases)
        {
            foreach (var component in Components)
            {
                string golden = Normalize(await File.ReadAllTextAsync(Path.Combine(dir, component + ".template.json"), ct));
                Assert.True(golden == templates[component],
                    $"the {component} pod template differs from the one operator release {Path.GetFileName(dir)} made (an upgrade would restart its pods):\n" +
                    $"release: {golden}\nnow:     {templates[component]}");
            }
        }
    }

    /// <summary>Indented JSON with object keys in ordinal order, so the files diff well and compare exactly.</summary>
    private static string Normalize(string json) =>
        Sort(JsonNode.Parse(json))!.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });

    private static JsonNode? Sort(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sort(p.Value?.DeepClone())))),
        JsonArray a => new JsonArray(a.Select(i => Sort(i?.DeepClone())).ToArray()),
        _ => node?.DeepClone(),
    };
}
