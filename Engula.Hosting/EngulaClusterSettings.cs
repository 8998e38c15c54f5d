using Microsoft.Extensions.Configuration;

namespace Engula.Hosting;

/// <summary>
/// The AppHost's knobs, bound from the <c>Engula</c> configuration section (appsettings.json, environment
/// <c>Engula__Mode=Memory</c>, or the command line <c>--Engula:Mode=Memory</c>). Defaults: the original
/// Engula ports, file mode under the AppHost's <c>.engula-data/</c>, proxied endpoints.
/// </summary>
public sealed class EngulaClusterSettings
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Engula";

    public int KernelPort { get; set; } = EngulaComponentKind.Kernel.DefaultPort();

    public int EnginePort { get; set; } = EngulaComponentKind.Engine.DefaultPort();

    public int StoragePort { get; set; } = EngulaComponentKind.Storage.DefaultPort();

    public int JournalPort { get; set; } = EngulaComponentKind.Journal.DefaultPort();

    /// <summary><see cref="EngulaDataMode.File"/> (default) or <see cref="EngulaDataMode.Memory"/>.</summary>
    public EngulaDataMode Mode { get; set; } = EngulaDataMode.File;

    /// <summary>Root of the file-mode data (one folder per component); default &lt;AppHost&gt;/.engula-data.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>False: each server listens on its port itself instead of behind a DCP proxy.</summary>
    public bool Proxied { get; set; } = true;

    /// <summary>
    /// A container image to run the four components from (e.g. <c>localhost/engula:0.2.0</c> built by
    /// <c>eng/image/build.sh</c>), on a machine with a container runtime; null (the default) runs the local build and
    /// needs none.
    /// </summary>
    public string? ContainerImage { get; set; }

    /// <summary>Reads the <c>Engula</c> section of <paramref name="configuration"/>; missing keys keep their defaults.</summary>
    public static EngulaClusterSettings From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = new EngulaClusterSettings();
        configuration.GetSection(SectionName).Bind(settings);
        return settings;
    }
}
