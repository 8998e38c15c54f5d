using Engula.Protocol.Metadata;
using Version = Engula.Protocol.Metadata.Version;

namespace Engula.Server.Kernel;

/// <summary><c>--mem</c>: the manifest lives only as long as the process (restarts at sequence 0, as the original).</summary>
public sealed class MemManifestStore : IManifestStore
{
    private Version _version = new();

    public Version Load() => _version.Clone();

    public void Save(Version version) => _version = version.Clone();
}
