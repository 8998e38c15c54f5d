using Engula.Testing.Kube;

namespace Engula.Operator.Tests;

/// <summary>The operator's command line, run as the real executable: help, version, usage errors, the manifest generator.</summary>
public sealed class CommandLineTests
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "engula-operator.dll");

    private static Task<ProcessRunner.Result> RunAsync(params string[] args) =>
        ProcessRunner.RunAsync("dotnet", [Dll, .. args], TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

    [Fact]
    public async Task Version_and_help_answer_without_a_cluster()
    {
        var version = await RunAsync("--version");
        Assert.Equal(0, version.ExitCode);
        Assert.StartsWith("0.2.0", version.StandardOutput.Trim(), StringComparison.Ordinal);

        var help = await RunAsync("--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--kubeconfig", help.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("generate-manifests", help.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("generate-helm-chart", help.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--namespace")]
    [InlineData("generate-manifests")]
    [InlineData("generate-helm-chart")]
    [InlineData("--kubeconfig", "/nonexistent/kubeconfig")]
    [InlineData("--rollout-timeout-seconds", "0")]
    [InlineData("--rollout-timeout-seconds", "soon")]
    public async Task Bad_arguments_exit_2_with_one_line_on_stderr(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("engula-operator: ", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_manifests_writes_what_is_committed()
    {
        var dir = Directory.CreateTempSubdirectory("engula-operator-manifests-").FullName;
        try
        {
            var result = await RunAsync("generate-manifests", dir);
            Assert.True(result.ExitCode == 0, result.StandardError);
            foreach (var file in new[] { "crds.yaml", "rbac.yaml", "operator.yaml", "install.yaml" })
            {
                Assert.Equal(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "operator", file)), File.ReadAllText(Path.Combine(dir, file)));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Generate_helm_chart_writes_what_is_committed()
    {
        var dir = Directory.CreateTempSubdirectory("engula-operator-chart-").FullName;
        try
        {
            var result = await RunAsync("generate-helm-chart", dir);
            Assert.True(result.ExitCode == 0, result.StandardError);
            var chart = Path.Combine(RepositoryPaths.Root, "deploy", "helm", "engula-operator");
            var written = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(Directory.EnumerateFiles(chart, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(chart, f)).Order(StringComparer.Ordinal), written);
            foreach (var file in written)
            {
                Assert.Equal(File.ReadAllText(Path.Combine(chart, file)), File.ReadAllText(Path.Combine(dir, file)));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
