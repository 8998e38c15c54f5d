namespace Engula.Hosting;

/// <summary>
/// How to start the built <c>engula</c> executable. The AppHost's build records the path of <c>engula.dll</c> as
/// assembly metadata (<see cref="MetadataKey"/>), because <c>dotnet run --project Engula.AppHost</c> builds the
/// server through its project reference but a test host loads the AppHost from elsewhere: the metadata travels
/// with the AppHost assembly. Configuration <c>Engula:ServerPath</c> overrides it.
/// </summary>
internal sealed record EngulaServerCommand(string Executable, IReadOnlyList<string> LeadingArguments, string WorkingDirectory)
{
    /// <summary>The <c>AssemblyMetadata</c> key the AppHost project writes.</summary>
    public const string MetadataKey = "Engula.ServerPath";

    /// <summary>The configuration key that overrides the path (to <c>engula.dll</c> or the <c>engula</c> app host).</summary>
    public const string ConfigurationKey = "Engula:ServerPath";

    /// <summary>Finds the server for <paramref name="builder"/>'s AppHost.</summary>
    /// <exception cref="DistributedApplicationException">Neither the configuration nor the AppHost names a built server.</exception>
    public static EngulaServerCommand Resolve(IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var path = builder.Configuration[ConfigurationKey];
        if (string.IsNullOrWhiteSpace(path))
        {
            path = AppHostMetadata.Get(builder.AppHostAssembly, MetadataKey);
        }

        if (string.IsNullOrWhiteSpace(path))
        {
            throw new DistributedApplicationException(
                $"The engula server's location is unknown: set {ConfigurationKey}, or add the AssemblyMetadata '{MetadataKey}' " +
                "to the AppHost project (Engula.AppHost.csproj shows how).");
        }

        var command = FromPath(Path.GetFullPath(path, builder.AppHostDirectory), out var missing);
        if (command is not null)
        {
            return command;
        }

        // Publishing describes the components for another machine (an image's /bin/engula); it needs no local build.
        if (builder.ExecutionContext.IsPublishMode)
        {
            return new EngulaServerCommand("engula", [], builder.AppHostDirectory);
        }

        throw new DistributedApplicationException(missing);
    }

    /// <summary>
    /// Prefers the native app host next to <c>engula.dll</c>: the resource's process is then the server itself
    /// (no <c>dotnet</c> muxer in between), which is what a SIGKILL test or an operator expects.
    /// </summary>
    /// <exception cref="DistributedApplicationException">Neither the app host nor the dll exists.</exception>
    public static EngulaServerCommand FromPath(string path) =>
        FromPath(path, out var missing) ?? throw new DistributedApplicationException(missing);

    private static EngulaServerCommand? FromPath(string path, out string missing)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var directory = Path.GetDirectoryName(path) ?? throw new DistributedApplicationException($"'{path}' has no directory");
        var dll = path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? path : Path.ChangeExtension(path, ".dll");
        var native = Path.ChangeExtension(dll, OperatingSystem.IsWindows() ? ".exe" : null);
        missing = $"The engula server is not built: neither '{native}' nor '{dll}' exists. Build it with 'dotnet build Engula.AppHost'.";
        if (File.Exists(native))
        {
            return new EngulaServerCommand(native, [], directory);
        }

        return File.Exists(dll) ? new EngulaServerCommand("dotnet", [dll], directory) : null;
    }
}
