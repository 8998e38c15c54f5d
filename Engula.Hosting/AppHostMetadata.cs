using System.Reflection;

namespace Engula.Hosting;

/// <summary>
/// What the AppHost project records about the repository as <c>AssemblyMetadata</c> (Engula.AppHost.csproj): where the
/// built server, its project, the Containerfile and the image publish profile are. It travels with the AppHost assembly,
/// so it holds under <c>dotnet run</c> and inside a test host alike.
/// </summary>
internal static class AppHostMetadata
{
    /// <summary>The value recorded under <paramref name="key"/> (the last one, if recorded twice), or null when there is none.</summary>
    public static string? Get(Assembly? appHost, string key) =>
        appHost?.GetCustomAttributes<AssemblyMetadataAttribute>().LastOrDefault(a => a.Key == key)?.Value is { Length: > 0 } value
            ? value
            : null;
}
