namespace Aspire.Hosting.ApplicationModel;

/// <summary>A component that stores data: journal, storage and kernel (the engine keeps its tables in storage).</summary>
public abstract class EngulaDataResource : EngulaServerResource
{
    private protected EngulaDataResource(string name, EngulaServerCommand command, string defaultDataDirectory)
        : base(name, command)
    {
        Annotations.Add(new EngulaDataAnnotation(EngulaDataMode.File, defaultDataDirectory));
    }

    /// <inheritdoc />
    public override string PrimaryEndpointName => EngulaEndpointNames.Grpc;

    /// <summary>The gRPC endpoint (h2c).</summary>
    public EndpointReference GrpcEndpoint => PrimaryEndpoint;

    /// <summary><see cref="EngulaDataMode.File"/> unless changed with <c>WithData</c>.</summary>
    public EngulaDataMode DataMode => Data.Mode;

    /// <summary>The directory of this component's files in file mode.</summary>
    public string DataDirectory => Data.Directory;

    // The constructor adds one; WithData replaces it.
    private EngulaDataAnnotation Data => Annotations.OfType<EngulaDataAnnotation>().Last();

    /// <summary>The <c>--mem</c> / <c>--file &lt;path&gt;</c> arguments, for data kept in <paramref name="directory"/> (as the
    /// server sees it: <see cref="DataDirectory"/> for a local process, the volume's mount point in a container).</summary>
    internal IEnumerable<string> DataArguments(string directory) =>
        DataMode == EngulaDataMode.Memory ? ["--mem"] : ["--file", FileArgument(directory)];

    /// <summary>What <c>--file</c> names: the data directory itself, unless the component keeps one file in it.</summary>
    private protected virtual string FileArgument(string directory) => directory;
}
