namespace Engula.Testing.Kube;

/// <summary>Locates files of the repository (scripts under eng/kube) from the test's output directory.</summary>
internal static class RepositoryPaths
{
    internal static string Root { get; } = FindRoot();

    internal static string KubeDir => Path.Combine(Root, "eng", "kube");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Engula.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Engula.sln not found above {AppContext.BaseDirectory}");
    }
}
