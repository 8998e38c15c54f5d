namespace Aspire.Hosting.ApplicationModel;

/// <summary><c>engula kernel run</c>: versioned metadata; it hands the engine its journal and storage addresses.</summary>
public sealed class EngulaKernelResource : EngulaDataResource
{
    /// <summary>The manifest's file name inside <see cref="EngulaDataResource.DataDirectory"/>.</summary>
    public const string ManifestFileName = "manifest";

    internal EngulaKernelResource(string name, EngulaServerCommand command, string defaultDataDirectory)
        : base(name, command, defaultDataDirectory)
    {
    }

    internal override EngulaComponentKind Kind => EngulaComponentKind.Kernel;

    // The kernel's --file names the manifest file, not a directory.
    private protected override string FileArgument(string directory) => directory + "/" + ManifestFileName;
}
