namespace Engula.Hosting;

/// <summary>An image reference split the way registries read it: <c>name[:tag][@digest]</c>, where a tag is a
/// <c>:</c> after the last <c>/</c> (so <c>localhost:5000/engula</c> has no tag).</summary>
internal readonly record struct ImageReference(string Name, string? Tag, string? Digest)
{
    public static ImageReference Parse(string image)
    {
        int at = image.IndexOf('@', StringComparison.Ordinal);
        string? digest = at < 0 ? null : image[(at + 1)..];
        string withoutDigest = at < 0 ? image : image[..at];
        int colon = withoutDigest.LastIndexOf(':');
        return colon > withoutDigest.LastIndexOf('/')
            ? new(withoutDigest[..colon], withoutDigest[(colon + 1)..], digest)
            : new(withoutDigest, null, digest);
    }
}
