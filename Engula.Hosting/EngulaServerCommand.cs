using System.Reflection;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// How to start the built <c>engula</c> executable. The AppHost's build records the path of <c>engula.dll</c> as
/// assembly metadata (<see cref="MetadataKey"/>), because <c>dotnet run --project Engula.AppHost</c> builds the
/// server through its project reference but a test host loads the AppHost from elsewhere: the metadata travels
/// with the AppHost assembly. Configuration <c>Engula:ServerPath</c> overrides it.
/// </summary>
public sealed record EngulaServerCommand(string Executable, IReadOnlyList<string> LeadingArguments, string WorkingDirectory)
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
            path = builder.AppHostAssembly?.GetCustomAttributes<AssemblyMetadataAttribute>()
                .LastOrDefault(a => a.Key == MetadataKey)?.Value;
        }

        if (string.IsNullOrWhiteSpace(path))
        {
            throw new DistributedApplicationException(
                $"The engula server's location is unknown: set {ConfigurationKey}, or add the AssemblyMetadata '{MetadataKey}' " +
                "to the AppHost project (Engula.AppHost.csproj shows how).");
        }

        return FromPath(Path.GetFullPath(path, builder.AppHostDirectory));
    }

    /// <summary>
    /// Prefers the native app host next to <c>engula.dll</c>: the resource's process is then the server itself
    /// (no <c>dotnet</c> muxer in between), which is what a SIGKILL test or an operator expects.
    /// </summary>
    public static EngulaServerCommand FromPath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var directory = Path.GetDirectoryName(path) ?? throw new DistributedApplicationException($"'{path}' has no directory");
        var dll = path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? path : Path.ChangeExtension(path, ".dll");
        var native = Path.ChangeExtension(dll, OperatingSystem.IsWindows() ? ".exe" : null);
        if (File.Exists(native))
        {
            return new EngulaServerCommand(native, [], directory);
        }

        if (File.Exists(dll))
        {
            return new EngulaServerCommand("dotnet", [dll], directory);
        }

        throw new DistributedApplicationException(
            $"The engula server is not built: neither '{native}' nor '{dll}' exists. Build it with 'dotnet build Engula.AppHost'.");
    }
}
