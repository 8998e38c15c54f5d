namespace Aspire.Hosting.ApplicationModel;

/// <summary>Endpoint names every Engula component uses; peers and the publisher find each other by them.</summary>
public static class EngulaEndpointNames
{
    /// <summary>The h2c gRPC endpoint of journal, storage and kernel.</summary>
    public const string Grpc = "grpc";

    /// <summary>The engine's HTTP/1.1 API.</summary>
    public const string Http = "http";

    /// <summary>
    /// The admin HTTP listener of journal, storage and kernel (<c>--admin</c>: <c>/health</c>, <c>/alive</c>,
    /// <c>/metrics</c>), beside their h2c-only gRPC port; local processes only (the engine serves these on its API).
    /// </summary>
    public const string Admin = "admin";
}
