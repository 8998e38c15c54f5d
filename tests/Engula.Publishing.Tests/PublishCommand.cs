using System.Diagnostics;
using k8s;
using k8s.Models;

namespace Engula.Publishing.Tests;

/// <summary>
/// Runs the real publish command — the built AppHost with <c>--operation publish --step publish --output-path</c>,
/// which is what <c>dotnet run --project Engula.AppHost -- …</c> runs after its build — and reads its output.
/// </summary>
internal static class PublishCommand
{
    internal sealed record Result(int ExitCode, string Output, TimeSpan Elapsed);

    /// <summary>The AppHost built with this test project (same configuration).</summary>
    internal static string AppHostDll
    {
        get
        {
            string dll = RepositoryPaths.AppHostDll;
            Assert.True(File.Exists(dll), $"{dll} is missing: build tests/Engula.Publishing.Tests (it references the AppHost)");
            return dll;
        }
    }

    /// <summary>The committed golden output of the default AppHost.</summary>
    internal static string GoldenDir => Path.Combine(RepositoryPaths.Root, "tests", "Engula.Publishing.Tests", "Golden");

    internal static async Task<Result> RunAsync(string outputPath, IEnumerable<string> extraArguments, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var run = await ProcessRunner.RunAsync(
            "dotnet",
            [AppHostDll, "--operation", "publish", "--step", "publish", "--output-path", outputPath, .. extraArguments],
            TimeSpan.FromSeconds(120),
            cancellationToken,
            // Production, as `aspire publish` runs it; no launch profile or user environment leaks in.
            new Dictionary<string, string> { ["DOTNET_ENVIRONMENT"] = "Production", ["ASPNETCORE_ENVIRONMENT"] = "Production" });
        return new Result(run.ExitCode, run.StandardOutput + run.StandardError, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>File name → bytes of every file in <paramref name="dir"/> (top level and below).</summary>
    internal static SortedDictionary<string, byte[]> ReadTree(string dir)
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        if (!Directory.Exists(dir))
        {
            return files;
        }

        foreach (string file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            files[Path.GetRelativePath(dir, file).Replace('\\', '/')] = File.ReadAllBytes(file);
        }

        return files;
    }

    /// <summary>The files kustomization.yaml lists, in its order (ServiceAccount first, then journal … engine).</summary>
    internal static List<string> KustomizationResources(string dir) =>
        [.. File.ReadAllLines(Path.Combine(dir, "kustomization.yaml"))
            .SkipWhile(l => l != "resources:")
            .Skip(1)
            .TakeWhile(l => l.StartsWith("- ", StringComparison.Ordinal))
            .Select(l => l[2..])];

    /// <summary>
    /// The client's models know PodDisruptionBudgets only as policy/v1; a publish for Kubernetes 1.20 writes
    /// policy/v1beta1, the same spec, read into the same type (its apiVersion stays as written).
    /// </summary>
    private static readonly Dictionary<string, Type> OlderKinds = new() { ["policy/v1beta1/PodDisruptionBudget"] = typeof(V1PodDisruptionBudget) };

    /// <summary>Every object of the files kustomization.yaml lists, in that order (the order to apply them in).</summary>
    internal static List<IKubernetesObject<V1ObjectMeta>> LoadObjects(string dir) =>
        [.. KustomizationResources(dir)
            .SelectMany(f => KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(dir, f)), OlderKinds))
            .Cast<IKubernetesObject<V1ObjectMeta>>()];
}
