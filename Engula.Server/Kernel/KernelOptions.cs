namespace Engula.Server.Kernel;

/// <summary>Options of <c>engula kernel run</c>.</summary>
public sealed class KernelOptions
{
    /// <summary><c>--file</c>/<c>--kube</c> manifest file; null means <c>--mem</c>.</summary>
    public string? ManifestFile { get; init; }

    /// <summary><c>--journal</c>; when null the journal is found from configuration (<see cref="Engula.DiscoveryShim.PeerLocator"/>).</summary>
    public string? JournalFlag { get; init; }

    /// <summary><c>--storage</c>; when null the storage is found from configuration (<see cref="Engula.DiscoveryShim.PeerLocator"/>).</summary>
    public string? StorageFlag { get; init; }
}
