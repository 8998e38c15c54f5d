using Engula.Operator.Api;
using Engula.Operator.Manifests;
using k8s;
using k8s.Models;

namespace Engula.Operator.Tests;

/// <summary>The committed install manifests are what the C# types generate, and they say what the issue asks.</summary>
public sealed class ManifestTests
{
    private static string DeployDir => Path.Combine(RepositoryPaths.Root, "deploy", "operator");

    public static TheoryData<string> GeneratedFiles() => [.. InstallManifests.Files().Select(f => f.File)];

    [Theory]
    [MemberData(nameof(GeneratedFiles))]
    public void Committed_manifest_equals_what_the_types_generate(string file)
    {
        string expected = InstallManifests.Files().Single(f => f.File == file).Content;
        string path = Path.Combine(DeployDir, file);
        Assert.True(File.Exists(path), $"{path} is missing: run `dotnet run --project Engula.Operator -- generate-manifests deploy/operator`");
        string committed = File.ReadAllText(path);
        Assert.True(expected == committed,
            $"{path} differs from the generated manifest: run `dotnet run --project Engula.Operator -- generate-manifests deploy/operator`");
    }

    [Fact]
    public void Generation_is_byte_stable()
    {
        Assert.Equal(InstallManifests.Files(), InstallManifests.Files());
    }

    [Fact]
    public void Six_crds_with_the_original_names_status_everywhere_and_scale_on_components()
    {
        var crds = CrdBuilder.All();
        Assert.Equal(
            ["clusters", "journals", "storages", "kernels", "engines", "backgrounds"],
            crds.Select(c => c.Spec.Names.Plural));
        foreach (var crd in crds)
        {
            Assert.Equal("cluster.engula.io", crd.Spec.Group);
            var version = Assert.Single(crd.Spec.Versions);
            Assert.Equal("v1alpha1", version.Name);
            Assert.NotNull(version.Subresources.Status);
            Assert.Equal(crd.Spec.Names.Kind != "Cluster", version.Subresources.Scale is not null);
            Assert.Contains(version.AdditionalPrinterColumns, c => c.Name == "Age");
        }
    }

    [Theory]
    [InlineData(nameof(ResourceKind.Kernel), 24567L, 1.0)]
    [InlineData(nameof(ResourceKind.Engine), 24568L, 0.0)]
    [InlineData(nameof(ResourceKind.Storage), 24569L, 0.0)]
    [InlineData(nameof(ResourceKind.Journal), 24570L, 0.0)]
    public void Component_schemas_default_the_original_port_and_bound_replicas(string kind, long port, double minReplicas)
    {
        var spec = CrdBuilder.Build(Enum.Parse<ResourceKind>(kind)).Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"];
        Assert.Equal(port, Convert.ToInt64(spec.Properties["port"].DefaultProperty, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(minReplicas, spec.Properties["replicas"].Minimum);
        Assert.Equal(1, Convert.ToInt32(spec.Properties["replicas"].DefaultProperty, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("volume", spec.Properties.Keys);
    }

    [Fact]
    public void Background_has_no_volume_and_the_cluster_sections_default_their_ports()
    {
        Assert.DoesNotContain("volume", CrdBuilder.Build(ResourceKind.Background).Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties.Keys);
        var cluster = CrdBuilder.Build(ResourceKind.Cluster).Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"];
        Assert.Equal(24570L, Convert.ToInt64(cluster.Properties["journal"].Properties["port"].DefaultProperty, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(24567L, Convert.ToInt64(cluster.Properties["kernel"].Properties["port"].DefaultProperty, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Install_yaml_has_the_namespace_first_and_rbac_without_wildcards()
    {
        var objects = KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(DeployDir, "install.yaml")));
        Assert.IsType<V1Namespace>(objects[0]);
        Assert.Equal(6, objects.OfType<V1CustomResourceDefinition>().Count());
        var deployment = Assert.Single(objects.OfType<V1Deployment>());
        Assert.True(deployment.Spec.Template.Spec.SecurityContext.RunAsNonRoot);
        Assert.Equal(2, deployment.Spec.Replicas);
        // A read-only root still has a writable /tmp (an emptyDir) for .NET's diagnostics socket.
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        var tmp = Assert.Single(container.VolumeMounts, m => m.MountPath == "/tmp");
        Assert.NotNull(Assert.Single(deployment.Spec.Template.Spec.Volumes, v => v.Name == tmp.Name).EmptyDir);
        foreach (var rule in objects.OfType<V1ClusterRole>().SelectMany(r => r.Rules).Concat(objects.OfType<V1Role>().SelectMany(r => r.Rules)))
        {
            Assert.DoesNotContain("*", rule.Verbs);
            Assert.DoesNotContain("*", rule.Resources);
            Assert.DoesNotContain("*", rule.ApiGroups);
        }
    }

    [Fact]
    public async Task The_manifests_pass_offline_schema_validation_for_current_Kubernetes()
    {
        var result = await ProcessRunner.RunAsync("node", [Path.Combine(RepositoryPaths.KubeDir, "validate.mjs"), Path.Combine(DeployDir, "install.yaml")],
            TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
    }
}
