namespace Engula.Kubernetes.Tests;

/// <summary>
/// Every object, including kinds the 1.20 test server lacks (policy/v1 PodDisruptionBudget), validated against the
/// schemas of current Kubernetes (1.34, shipped inside the npm package kubernetes-models) with no network access:
/// eng/kube/validate.mjs, installed by eng/provision/kube-apiserver.sh.
/// </summary>
public sealed class OfflineSchemaTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("engula-kube-schema-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<ProcessRunner.Result> ValidateAsync(IEnumerable<string> files)
    {
        string script = Path.Combine(RepositoryPaths.KubeDir, "validate.mjs");
        Assert.True(
            Directory.Exists(Path.Combine(RepositoryPaths.KubeDir, "node_modules", "kubernetes-models")),
            "eng/kube/node_modules is missing: run eng/provision/kube-apiserver.sh");
        return await ProcessRunner.RunAsync("node", [script, .. files], TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Every_object_of_every_sample_passes_current_Kubernetes_schemas()
    {
        var files = new List<string>();
        int objects = 0;
        foreach (var (name, cluster) in new[]
                 {
                     ("cluster-sample", Samples.ClusterSample("engula")),
                     ("bare", Samples.Bare()),
                     ("custom", Samples.CustomPorts("custom-ns")),
                     ("init", Samples.InitContainer("init-ns")),
                 })
        {
            var built = EngulaObjects.Build(cluster);
            string sa = Path.Combine(_dir, $"{name}-serviceaccount.yaml");
            await File.WriteAllTextAsync(sa, EngulaYaml.Write([built.ServiceAccount]), TestContext.Current.CancellationToken);
            files.Add(sa);
            foreach (var component in built.Components)
            {
                string file = Path.Combine(_dir, $"{name}-{component.Name}.yaml");
                await File.WriteAllTextAsync(file, EngulaYaml.Write(component), TestContext.Current.CancellationToken);
                files.Add(file);
            }

            objects += built.All.Count;
        }

        var result = await ValidateAsync(files);

        Assert.True(result.ExitCode == 0, $"validate.mjs exit {result.ExitCode}: {result.StandardError}");
        Assert.Equal($"{objects} object(s) valid", result.StandardOutput.Trim());
        Assert.Contains("kind: PodDisruptionBudget", await File.ReadAllTextAsync(files[1], TestContext.Current.CancellationToken), StringComparison.Ordinal);
        TestContext.Current.TestOutputHelper?.WriteLine($"{objects} objects in {files.Count} files validated offline");
    }

    [Fact]
    public async Task The_validator_rejects_a_wrong_type_a_missing_required_field_and_an_unknown_kind()
    {
        var journal = EngulaObjects.BuildComponent(Samples.ClusterSample(), EngulaComponentKind.Journal);
        string yaml = EngulaYaml.Write(journal)
            .Replace("  replicas: 1\n", "  replicas: one\n", StringComparison.Ordinal)
            .Replace("apiVersion: policy/v1\n", "apiVersion: policy/v2\n", StringComparison.Ordinal);
        // A Service port without its required `port`.
        yaml = yaml.Replace("    port: 25570\n", "", StringComparison.Ordinal);
        string file = Path.Combine(_dir, "broken.yaml");
        await File.WriteAllTextAsync(file, yaml, TestContext.Current.CancellationToken);

        var result = await ValidateAsync([file]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("StatefulSet/cluster-sample-journal: /spec/replicas must be integer", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("Service/cluster-sample-journal: /spec/ports/1 must have required property port", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("unknown apiVersion/kind policy/v2/PodDisruptionBudget", result.StandardError, StringComparison.Ordinal);
    }
}
