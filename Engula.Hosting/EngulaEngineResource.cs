namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// <c>engula engine run</c>: the hash engine with its HTTP API (<c>/put</c>, <c>/get</c>, <c>/kv/{key}</c>). Its
/// connection string is the base URL of that API, so a project that calls <c>WithReference(engine)</c> finds it
/// as <c>ConnectionStrings__engine</c>, as <c>services__engine__http__0</c> for service discovery, and as the
/// connection properties <c>ENGINE_URI</c>, <c>ENGINE_HOST</c> and <c>ENGINE_PORT</c> (named after the resource, as for
/// Aspire's own integrations).
/// </summary>
public sealed class EngulaEngineResource : EngulaServerResource, IResourceWithConnectionString
{
    internal EngulaEngineResource(string name, EngulaServerCommand command)
        : base(name, command)
    {
    }

    internal override EngulaComponentKind Kind => EngulaComponentKind.Engine;

    /// <inheritdoc />
    public override string PrimaryEndpointName => EngulaEndpointNames.Http;

    /// <summary>The HTTP/1.1 API endpoint.</summary>
    public EndpointReference HttpEndpoint => PrimaryEndpoint;

    /// <summary><c>http://host:port</c> of the engine's API.</summary>
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{HttpEndpoint.Property(EndpointProperty.Url)}");

    /// <summary>The API's parts: <c>Uri</c> (the connection string), <c>Host</c> and <c>Port</c>.</summary>
    IEnumerable<KeyValuePair<string, ReferenceExpression>> IResourceWithConnectionString.GetConnectionProperties() =>
    [
        new("Host", ReferenceExpression.Create($"{HttpEndpoint.Property(EndpointProperty.Host)}")),
        new("Port", ReferenceExpression.Create($"{HttpEndpoint.Property(EndpointProperty.Port)}")),
        new("Uri", ConnectionStringExpression),
    ];
}
