namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// One <c>engula &lt;component&gt; run</c> process. The four components are separate resource types so that the
/// builder methods can only wire what makes sense (a kernel takes a journal, an engine takes a kernel), but they
/// share how they are launched: the built <c>engula</c> executable itself (not a <c>dotnet run</c> wrapper), so the
/// resource's process id is the server's and a start costs one process start.
/// </summary>
public abstract class EngulaServerResource : ExecutableResource, IResourceWithServiceDiscovery
{
    private EndpointReference? _primaryEndpoint;

    private protected EngulaServerResource(string name, EngulaServerCommand command)
        : base(name, command.Executable, command.WorkingDirectory)
    {
        ServerCommand = command;
    }

    /// <summary>The CLI subcommand: <c>journal</c>, <c>storage</c>, <c>kernel</c> or <c>engine</c>.</summary>
    public string Component => Kind.Name();

    /// <summary>Which component this is (its default port, its peers, its Kubernetes objects).</summary>
    internal abstract EngulaComponentKind Kind { get; }

    /// <summary>Name of the endpoint the component serves on: <c>grpc</c>, or <c>http</c> for the engine.</summary>
    public abstract string PrimaryEndpointName { get; }

    /// <summary>The plain-HTTP admin endpoint (<see cref="EngulaEndpointNames.Admin"/>) when the component has one: journal,
    /// storage and kernel as local processes in run mode; null otherwise.</summary>
    internal EndpointReference? AdminEndpoint =>
        Annotations.OfType<EndpointAnnotation>().Any(e => e.Name == EngulaEndpointNames.Admin) ? new(this, EngulaEndpointNames.Admin) : null;

    /// <summary>The endpoint clients dial.</summary>
    public EndpointReference PrimaryEndpoint => _primaryEndpoint ??= new(this, PrimaryEndpointName);

    /// <summary>How the <c>engula</c> executable is started (the native app host, or <c>dotnet engula.dll</c>).</summary>
    internal EngulaServerCommand ServerCommand { get; }

    /// <summary>The container image the component runs from instead of the local build (<c>RunFromImage</c>); null
    /// for a local process.</summary>
    public string? ContainerImage { get; internal set; }
}
