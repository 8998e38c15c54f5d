namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The container that runs an Engula component from an image (<c>RunFromImage</c>). It stands in the model for the
/// component's <see cref="EngulaServerResource"/> and shares its annotations — the same pattern Aspire uses to turn a
/// project into a container — so endpoints, environment, references, waits and health checks configured on the
/// component's builder before or after the switch all apply to the container.
/// </summary>
internal sealed class EngulaServerContainerResource(EngulaServerResource server) : ContainerResource(server.Name), IResourceWithServiceDiscovery
{
    /// <summary>Where the image keeps a component's data (its <c>WORKDIR</c>, owned by the non-root user).</summary>
    public const string DataMountPath = "/data";

    public EngulaServerResource Server { get; } = server;

    public override ResourceAnnotationCollection Annotations => Server.Annotations;
}
