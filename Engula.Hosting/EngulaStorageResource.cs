namespace Aspire.Hosting.ApplicationModel;

/// <summary><c>engula storage run</c>: object buckets (the engine's tables).</summary>
public sealed class EngulaStorageResource : EngulaDataResource
{
    internal EngulaStorageResource(string name, EngulaServerCommand command, string defaultDataDirectory)
        : base(name, command, defaultDataDirectory)
    {
    }

    internal override EngulaComponentKind Kind => EngulaComponentKind.Storage;
}
