using Engula.Protocol.Metadata;
using Version = Engula.Protocol.Metadata.Version;

namespace Engula.Server.Kernel;

/// <summary>How a <see cref="VersionUpdate"/> changes a <see cref="Version"/> (in the original's order).</summary>
public static class VersionMath
{
    public static void Apply(Version version, VersionUpdate update)
    {
        version.Sequence = update.Sequence;
        foreach (var (key, value) in update.AddMeta)
        {
            version.Meta[key] = value;
        }

        foreach (var key in update.RemoveMeta)
        {
            version.Meta.Remove(key);
        }

        version.Objects.AddRange(update.AddObjects);
        foreach (var name in update.RemoveObjects)
        {
            var index = version.Objects.IndexOf(name);
            if (index >= 0)
            {
                version.Objects.RemoveAt(index);
            }
        }
    }
}
