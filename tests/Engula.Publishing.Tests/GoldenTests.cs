using System.Globalization;
using System.Text;
using k8s.Models;

namespace Engula.Publishing.Tests;

/// <summary>
/// The real publish command on the default AppHost: output equal to the committed golden files, byte-identical on
/// every run, valid against current Kubernetes schemas, consistent addresses, and usable with kustomize overrides.
/// Regenerate the goldens after an intended change with the command itself (docs/publish.md):
/// <c>dotnet run --project Engula.AppHost -- --operation publish --step publish --output-path ../tests/Engula.Publishing.Tests/Golden</c>.
/// </summary>
public sealed class GoldenTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("engula-publish-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Publish_of_the_default_AppHost_matches_the_golden_files_byte_for_byte()
    {
        var ct = TestContext.Current.CancellationToken;
        string output = Path.Combine(_dir, "out");

        var run = await PublishCommand.RunAsync(output, [], ct);

        Assert.True(run.ExitCode == 0, $"publish exited {run.ExitCode}:\n{run.Output}");
        var golden = PublishCommand.ReadTree(PublishCommand.GoldenDir);
        var actual = PublishCommand.ReadTree(output);
        Assert.Equal(
            ["engine.yaml", "engula-sa.yaml", "journal.yaml", "kernel.yaml", "kustomization.yaml", "storage.yaml"],
            golden.Keys);
        Assert.Equal(golden.Keys, actual.Keys);
        foreach (var (name, bytes) in golden)
        {
            // Compared as text first for a readable failure, then as bytes (encoding, BOM, line endings).
            Assert.Equal(Encoding.UTF8.GetString(bytes), Encoding.UTF8.GetString(actual[name]));
            Assert.Equal(bytes, actual[name]);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"publish: exit 0 in {run.Elapsed.TotalSeconds:F2} s, {actual.Count} files, {actual.Values.Sum(b => b.Length)} bytes");
    }

    [Fact]
    public async Task Publishing_again_into_the_same_and_a_new_directory_writes_byte_identical_files_and_leaves_no_staging_directory()
    {
        var ct = TestContext.Current.CancellationToken;
        string first = Path.Combine(_dir, "first");
        string second = Path.Combine(_dir, "second");

        Assert.Equal(0, (await PublishCommand.RunAsync(first, [], ct)).ExitCode);
        var before = PublishCommand.ReadTree(first);
        var stamps = Directory.EnumerateFiles(first).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        Assert.Equal(0, (await PublishCommand.RunAsync(first, [], ct)).ExitCode);
        Assert.Equal(0, (await PublishCommand.RunAsync(second, [], ct)).ExitCode);

        var again = PublishCommand.ReadTree(first);
        var elsewhere = PublishCommand.ReadTree(second);
        Assert.Equal(6, before.Count);
        Assert.Equal(before.Keys, again.Keys);
        Assert.Equal(before.Keys, elsewhere.Keys);
        foreach (var (name, bytes) in before)
        {
            Assert.Equal(bytes, again[name]);
            Assert.Equal(bytes, elsewhere[name]);
        }

        // The second publish into the same directory really rewrote the files (it did not skip them).
        Assert.All(stamps, kv => Assert.True(File.GetLastWriteTimeUtc(kv.Key) >= kv.Value));
        Assert.Equal(["first", "second"], Directory.EnumerateFileSystemEntries(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_address_in_an_env_var_names_a_published_Service_and_one_of_its_ports()
    {
        var objects = PublishCommand.LoadObjects(PublishCommand.GoldenDir);
        var services = objects.OfType<V1Service>().ToDictionary(s => s.Metadata.Name);
        var sets = objects.OfType<V1StatefulSet>().ToList();
        Assert.Equal(["journal", "storage", "kernel", "engine"], sets.Select(s => s.Metadata.Name));
        Assert.Equal(sets.Select(s => s.Metadata.Name), services.Keys);

        int addresses = 0;
        foreach (var set in sets)
        {
            var container = Assert.Single(set.Spec.Template.Spec.Containers);
            Assert.Equal(set.Metadata.Name, set.Spec.ServiceName);
            foreach (var env in container.Env.Where(e => e.Value is not null))
            {
                if (env.Value.StartsWith("dns:///", StringComparison.Ordinal))
                {
                    string[] hostPort = env.Value["dns:///".Length..].Split(':');
                    Assert.True(services.TryGetValue(hostPort[0], out var service), $"{set.Metadata.Name} {env.Name}={env.Value}: no Service {hostPort[0]}");
                    Assert.Equal("None", service.Spec.ClusterIP);
                    Assert.Contains(service.Spec.Ports, p => p.Name == "grpc" && p.Port == int.Parse(hostPort[1], CultureInfo.InvariantCulture));
                    // ENGULA_JOURNAL names the journal, and so on.
                    Assert.Equal("ENGULA_" + hostPort[0].ToUpperInvariant(), env.Name);
                    addresses++;
                }
                else if (env.Name.EndsWith("port", StringComparison.Ordinal))
                {
                    // The original's journalport/storageport/kernelport carry the real ports of those Services.
                    string peer = env.Name[..^"port".Length];
                    Assert.Contains(services[peer].Spec.Ports, p => p.Name == "grpc" && p.Port.ToString(CultureInfo.InvariantCulture) == env.Value);
                    addresses++;
                }
            }
        }

        // kernel: ENGULA_JOURNAL, ENGULA_STORAGE; engine: ENGULA_KERNEL; 3 port variables in each of the 4 components.
        Assert.Equal(3 + (4 * 3), addresses);
    }

    [Fact]
    public async Task Every_published_object_passes_the_schemas_of_current_Kubernetes_offline()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.True(
            Directory.Exists(Path.Combine(RepositoryPaths.KubeDir, "node_modules", "kubernetes-models")),
            "eng/kube/node_modules is missing: run eng/provision/kube-apiserver.sh");
        var files = PublishCommand.KustomizationResources(PublishCommand.GoldenDir).Select(f => Path.Combine(PublishCommand.GoldenDir, f)).ToList();
        int objects = PublishCommand.LoadObjects(PublishCommand.GoldenDir).Count;

        var result = await ProcessRunner.RunAsync("node", [Path.Combine(RepositoryPaths.KubeDir, "validate.mjs"), .. files], TimeSpan.FromSeconds(60), ct);

        Assert.True(result.ExitCode == 0, $"validate.mjs exit {result.ExitCode}: {result.StandardError}");
        Assert.Equal(17, objects);
        Assert.Equal($"{objects} object(s) valid", result.StandardOutput.Trim());
        Assert.Contains("apiVersion: policy/v1\nkind: PodDisruptionBudget", await File.ReadAllTextAsync(files[1], ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kustomize_renders_every_object_and_sets_namespace_and_image_overrides()
    {
        var ct = TestContext.Current.CancellationToken;
        string overlay = Path.Combine(_dir, "overlay");
        Directory.CreateDirectory(overlay);
        // A user's overlay on top of the published directory: the two overrides docs/publish.md describes.
        await File.WriteAllTextAsync(
            Path.Combine(overlay, "kustomization.yaml"),
            $"""
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            namespace: engula-prod
            resources:
            - {Path.GetRelativePath(overlay, PublishCommand.GoldenDir)}
            images:
            - name: ghcr.io/engula/engula
              newName: registry.example.com/team/engula
              newTag: "1.2.3"

            """,
            ct);

        var plain = await ProcessRunner.RunAsync("kubectl", ["kustomize", PublishCommand.GoldenDir], TimeSpan.FromSeconds(60), ct);
        var overridden = await ProcessRunner.RunAsync("kubectl", ["kustomize", overlay], TimeSpan.FromSeconds(60), ct);

        Assert.True(plain.ExitCode == 0, plain.StandardError);
        Assert.True(overridden.ExitCode == 0, overridden.StandardError);
        int Count(string text, string line) => text.Split('\n').Count(l => l.Trim() == line);
        Assert.Equal(17, Count(plain.StandardOutput, "---") + 1);
        Assert.Equal(4, Count(plain.StandardOutput, "image: ghcr.io/engula/engula:0.2.0"));
        Assert.Equal(4, Count(overridden.StandardOutput, "image: registry.example.com/team/engula:1.2.3"));
        Assert.Equal(0, Count(overridden.StandardOutput, "image: ghcr.io/engula/engula:0.2.0"));
        Assert.Equal(17, Count(overridden.StandardOutput, "namespace: engula-prod"));
    }
}
