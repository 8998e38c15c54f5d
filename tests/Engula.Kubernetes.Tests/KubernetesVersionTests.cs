using k8s;

namespace Engula.Kubernetes.Tests;

/// <summary>The target Kubernetes version: how it is read, and which PodDisruptionBudget group-version it gives.</summary>
public sealed class KubernetesVersionTests
{
    [Theory]
    [InlineData("1.20", 1, 20)]
    [InlineData("v1.20", 1, 20)]
    [InlineData("V1.21", 1, 21)]
    [InlineData("1.20.2", 1, 20)]
    [InlineData(" 1.25 ", 1, 25)]
    [InlineData("v1.28.5+k3s1", 1, 28)]
    [InlineData("v1.27.3-gke.100", 1, 27)]
    public void Versions_are_read_as_major_and_minor(string text, int major, int minor)
    {
        Assert.True(KubernetesVersion.TryParse(text, out var version));
        Assert.Equal(new KubernetesVersion(major, minor), version);
        Assert.Equal(version, KubernetesVersion.Parse(text));
        Assert.Equal($"{major}.{minor}", version.ToString());
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1")]
    [InlineData("2.x")]
    [InlineData("1.")]
    [InlineData(".20")]
    [InlineData("1.20.x")]
    [InlineData("1.20.2.3")]
    [InlineData("v")]
    [InlineData("-1.20")]
    [InlineData("1,20")]
    [InlineData("")]
    [InlineData(null)]
    public void Anything_else_is_not_a_version(string? text)
    {
        Assert.False(KubernetesVersion.TryParse(text, out _));
        if (text is not null)
        {
            Assert.Contains("is not a Kubernetes version", Assert.Throws<FormatException>(() => KubernetesVersion.Parse(text)).Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Versions_compare_by_major_then_minor_not_as_text()
    {
        Assert.True(new KubernetesVersion(1, 9) < new KubernetesVersion(1, 20));
        Assert.True(new KubernetesVersion(1, 21) >= KubernetesVersion.PolicyV1Since);
        Assert.True(new KubernetesVersion(2, 0) > new KubernetesVersion(1, 99));
        Assert.Equal(new KubernetesVersion(1, 20), KubernetesVersion.OldestSupported);
        Assert.Equal(new KubernetesVersion(1, 21), KubernetesVersion.PolicyV1Since);
    }

    [Theory]
    [InlineData("1.20", "policy/v1beta1")]
    [InlineData("1.21", "policy/v1")]
    [InlineData("1.34", "policy/v1")]
    public void PodDisruptionBudgets_are_policy_v1_from_1_21_on(string version, string apiVersion)
    {
        Assert.Equal(apiVersion, KubernetesVersion.Parse(version).PodDisruptionBudgetApiVersion);
    }

    [Fact]
    public void A_cluster_targeting_1_20_gets_policy_v1beta1_budgets_with_the_same_spec_and_everything_else_unchanged()
    {
        var current = EngulaObjects.Build(Samples.ClusterSample());
        var old = EngulaObjects.Build(Samples.ClusterSample() with { TargetVersion = new KubernetesVersion(1, 20) });
        var explicitNew = EngulaObjects.Build(Samples.ClusterSample() with { TargetVersion = new KubernetesVersion(1, 21) });

        Assert.All(current.Components, c => Assert.Equal("policy/v1", c.PodDisruptionBudget.ApiVersion));
        Assert.All(explicitNew.Components, c => Assert.Equal("policy/v1", c.PodDisruptionBudget.ApiVersion));
        Assert.All(old.Components, c => Assert.Equal("policy/v1beta1", c.PodDisruptionBudget.ApiVersion));
        for (int i = 0; i < current.All.Count; i++)
        {
            var a = current.All[i];
            var b = old.All[i];
            if (a.Kind == "PodDisruptionBudget")
            {
                Assert.Equal(KubernetesJson.Serialize(((k8s.Models.V1PodDisruptionBudget)a).Spec), KubernetesJson.Serialize(((k8s.Models.V1PodDisruptionBudget)b).Spec));
                continue;
            }

            Assert.Equal(KubernetesJson.Serialize(a), KubernetesJson.Serialize(b));
        }

        Assert.Contains("apiVersion: policy/v1beta1\n", EngulaYaml.Write(old.Components[0]), StringComparison.Ordinal);
        Assert.Equal("policy/v1beta1", EngulaObjects.BuildComponent(Samples.ClusterSample() with { TargetVersion = new KubernetesVersion(1, 20) }, EngulaComponentKind.Engine).PodDisruptionBudget.ApiVersion);
    }
}
