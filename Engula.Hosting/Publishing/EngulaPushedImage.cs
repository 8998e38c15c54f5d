namespace Engula.Hosting.Publishing;

/// <summary>What the push step pushed, for the deploy step after it in the same pipeline run.</summary>
internal sealed class EngulaPushedImage
{
    private (string Image, string Digest)? pushed;

    public void Set(string image, string digest)
    {
        lock (this)
        {
            pushed = (image, digest);
        }
    }

    /// <summary><paramref name="options"/> naming the pushed image by its digest, or unchanged when nothing was pushed.</summary>
    public EngulaPublishOptions ApplyTo(EngulaPublishOptions options)
    {
        lock (this)
        {
            return pushed is var (image, digest) ? options with { Image = image, ImageDigest = digest } : options;
        }
    }
}
