using System.Text;
using Engula.Hosting.Publishing;
using Engula.Kubernetes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Configuration;

namespace Engula.Publishing.Tests;

/// <summary>
/// The target Kubernetes version and the data volume permissions: read once from configuration (a bad value names
/// its key), and what they change in the files the real publish command writes — nothing else.
/// </summary>
public sealed class OptionsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("engula-publish-options-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static EngulaPublishOptions Read(string key, string? value) =>
        EngulaPublishOptions.From(new ConfigurationBuilder().AddInMemoryCollection([new KeyValuePair<string, string?>(key, value)]).Build());

    [Theory]
    [InlineData("1.20", 1, 20)]
    [InlineData("v1.20", 1, 20)]
    [InlineData("1.20.2", 1, 20)]
    [InlineData(" v1.20.2 ", 1, 20)]
    [InlineData("1.21", 1, 21)]
    [InlineData("v1.34.1", 1, 34)]
    public void TargetVersion_is_read_as_major_and_minor(string value, int major, int minor)
    {
        Assert.Equal(new KubernetesVersion(major, minor), Read(EngulaPublishOptions.TargetVersionKey, value).TargetVersion);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Without_a_TargetVersion_the_output_is_for_current_servers(string? value)
    {
        var options = Read(EngulaPublishOptions.TargetVersionKey, value);
        Assert.Null(options.TargetVersion);
        Assert.Equal(DataVolumePermissions.FsGroup, options.DataVolumePermissions);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1")]
    [InlineData("2.x")]
    [InlineData("1.20.x")]
    [InlineData("1.20.2.1")]
    public void A_malformed_TargetVersion_fails_naming_the_key(string value)
    {
        var error = Assert.Throws<EngulaPublishException>(() => Read(EngulaPublishOptions.TargetVersionKey, value));
        Assert.StartsWith($"Engula:Kubernetes:TargetVersion='{value}' is not a Kubernetes version: use <major>.<minor>", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.19")]
    [InlineData("v1.9")]
    [InlineData("0.99")]
    public void A_TargetVersion_below_1_20_fails_naming_the_key_and_the_oldest_supported(string value)
    {
        var error = Assert.Throws<EngulaPublishException>(() => Read(EngulaPublishOptions.TargetVersionKey, value));
        Assert.StartsWith($"Engula:Kubernetes:TargetVersion='{value}': Kubernetes ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("is older than the oldest version the published objects support (1.20)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fsGroup", DataVolumePermissions.FsGroup)]
    [InlineData("FsGroup", DataVolumePermissions.FsGroup)]
    [InlineData("initContainer", DataVolumePermissions.InitContainer)]
    [InlineData(" InitContainer ", DataVolumePermissions.InitContainer)]
    [InlineData("INITCONTAINER", DataVolumePermissions.InitContainer)]
    public void DataVolumePermissions_is_read_by_name(string value, DataVolumePermissions expected)
    {
        Assert.Equal(expected, Read(EngulaPublishOptions.DataVolumePermissionsKey, value).DataVolumePermissions);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("0")]
    [InlineData("root")]
    [InlineData("init-container")]
    public void An_unknown_DataVolumePermissions_fails_naming_the_key(string value)
    {
        var error = Assert.Throws<EngulaPublishException>(() => Read(EngulaPublishOptions.DataVolumePermissionsKey, value));
        Assert.Equal($"Engula:DataVolumePermissions='{value}' is not a way to make the data volumes writable: use fsGroup (the default) or initContainer", error.Message);
    }

    [Fact]
    public async Task Publishing_for_1_20_writes_policy_v1beta1_budgets_and_otherwise_the_golden_objects()
    {
        var ct = TestContext.Current.CancellationToken;
        string output = Path.Combine(_dir, "v1.20");
        string patch = Path.Combine(_dir, "v1.20.2");

        var run = await PublishCommand.RunAsync(output, ["--Engula:Kubernetes:TargetVersion=1.20"], ct);
        var runPatch = await PublishCommand.RunAsync(patch, ["--Engula:Kubernetes:TargetVersion=v1.20.2"], ct);

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.True(runPatch.ExitCode == 0, runPatch.Output);
        var golden = PublishCommand.ReadTree(PublishCommand.GoldenDir);
        var written = PublishCommand.ReadTree(output);
        Assert.Equal(golden.Keys, written.Keys);
        foreach (var (name, bytes) in golden.Where(f => f.Key != EngulaManifestSet.KustomizationFileName))
        {
            // The group-version line of the PodDisruptionBudget is the only difference.
            string expected = Encoding.UTF8.GetString(bytes).Replace("apiVersion: policy/v1\nkind: PodDisruptionBudget", "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget", StringComparison.Ordinal);
            Assert.Equal(expected, Encoding.UTF8.GetString(written[name]));
        }

        var objects = PublishCommand.LoadObjects(output);
        Assert.Equal(["policy/v1beta1", "policy/v1beta1", "policy/v1beta1", "policy/v1beta1"], objects.OfType<V1PodDisruptionBudget>().Select(p => p.ApiVersion));
        Assert.DoesNotContain(objects, o => o.ApiVersion == "policy/v1");
        Assert.Contains(
            "# Kubernetes: for servers 1.20 or newer (Engula:Kubernetes:TargetVersion=1.20); PodDisruptionBudgets are policy/v1beta1, which Kubernetes 1.25 removed.\n",
            Encoding.UTF8.GetString(written[EngulaManifestSet.KustomizationFileName]), StringComparison.Ordinal);

        // 1.20.2 and 1.20 are the same target.
        Assert.All(written, kv => Assert.Equal(kv.Value, PublishCommand.ReadTree(patch)[kv.Key]));
    }

    [Fact]
    public async Task Publishing_for_1_21_writes_the_objects_of_the_default()
    {
        var ct = TestContext.Current.CancellationToken;
        string output = Path.Combine(_dir, "out");

        var run = await PublishCommand.RunAsync(output, ["--Engula:Kubernetes:TargetVersion=1.21"], ct);

        Assert.True(run.ExitCode == 0, run.Output);
        var golden = PublishCommand.ReadTree(PublishCommand.GoldenDir);
        var written = PublishCommand.ReadTree(output);
        Assert.All(golden.Where(f => f.Key != EngulaManifestSet.KustomizationFileName), kv => Assert.Equal(kv.Value, written[kv.Key]));
        Assert.All(PublishCommand.LoadObjects(output).OfType<V1PodDisruptionBudget>(), p => Assert.Equal("policy/v1", p.ApiVersion));
        Assert.Contains("# Kubernetes: for servers 1.21 or newer (Engula:Kubernetes:TargetVersion=1.21); PodDisruptionBudgets are policy/v1.\n",
            Encoding.UTF8.GetString(written[EngulaManifestSet.KustomizationFileName]), StringComparison.Ordinal);
        Assert.Contains("# Kubernetes: PodDisruptionBudgets are policy/v1 (1.21 or newer); for an older server publish with --Engula:Kubernetes:TargetVersion=1.20.\n",
            Encoding.UTF8.GetString(golden[EngulaManifestSet.KustomizationFileName]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publishing_with_initContainer_adds_the_data_permissions_init_container_to_journal_storage_and_kernel_only()
    {
        var ct = TestContext.Current.CancellationToken;
        string output = Path.Combine(_dir, "out");

        var run = await PublishCommand.RunAsync(output, ["--Engula:DataVolumePermissions=initContainer"], ct);

        Assert.True(run.ExitCode == 0, run.Output);
        var golden = PublishCommand.LoadObjects(PublishCommand.GoldenDir).OfType<V1StatefulSet>().ToDictionary(s => s.Metadata.Name);
        var sets = PublishCommand.LoadObjects(output).OfType<V1StatefulSet>().ToList();
        Assert.Equal(["journal", "storage", "kernel", "engine"], sets.Select(s => s.Metadata.Name));
        foreach (var set in sets)
        {
            var pod = set.Spec.Template.Spec;
            if (set.Metadata.Name == "engine")
            {
                Assert.Null(pod.InitContainers);
            }
            else
            {
                var init = Assert.Single(pod.InitContainers);
                Assert.Equal(("data-permissions", "ghcr.io/engula/engula:0.2.0", 0L, false), (init.Name, init.Image, init.SecurityContext.RunAsUser!.Value, init.SecurityContext.RunAsNonRoot!.Value));
                Assert.Equal(["CHOWN"], init.SecurityContext.Capabilities.Add);
                Assert.Equal(["ALL"], init.SecurityContext.Capabilities.Drop);
                Assert.Equal(["data"], init.VolumeMounts.Select(m => m.Name));
            }

            // Everything else, the main container and the pod's security context included, is the default output.
            pod.InitContainers = null;
            Assert.Equal(KubernetesJson.Serialize(golden[set.Metadata.Name]), KubernetesJson.Serialize(set));
        }
    }
}
