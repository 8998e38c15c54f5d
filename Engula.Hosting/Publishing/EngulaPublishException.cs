namespace Engula.Hosting.Publishing;

/// <summary>The app model cannot be published as Kubernetes manifests; the message says which resource or setting and why.</summary>
public sealed class EngulaPublishException : Exception
{
    public EngulaPublishException()
    {
    }

    public EngulaPublishException(string message)
        : base(message)
    {
    }

    public EngulaPublishException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
