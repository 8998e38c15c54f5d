namespace Engula.Testing.Kube;

/// <summary>Locates files of the repository (scripts under eng/kube) from the test's output directory.</summary>
internal static class RepositoryPaths
{
    internal static string Root { get; } = FindRoot();

    internal static string KubeDir => Path.Combine(Root, "eng", "kube");

    /// <summary>
    /// The AppHost built beside the running test project (same configuration and target framework), whose binary is
    /// the real publish command: bin/&lt;Configuration&gt;/&lt;tfm&gt;/ of the test → the AppHost's. May not exist.
    /// </summary>
    internal static string AppHostDll
    {
        get
        {
            var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            return Path.Combine(Root, "Engula.AppHost", "bin", tfm.Parent!.Name, tfm.Name, "Engula.AppHost.dll");
        }
    }

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
