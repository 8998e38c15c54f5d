using Engula.Protocol.Metadata;
using Version = Engula.Protocol.Metadata.Version;

namespace Engula.Server.Kernel;

/// <summary>Where the kernel keeps its current <see cref="Version"/>: in memory or in one file.</summary>
public interface IManifestStore
{
    /// <summary>The persisted version, or an empty one (sequence 0) when nothing was saved yet.</summary>
    Version Load();

    /// <summary>Persists <paramref name="version"/> durably before returning.</summary>
    void Save(Version version);
}
