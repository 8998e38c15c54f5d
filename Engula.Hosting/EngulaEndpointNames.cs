namespace Aspire.Hosting.ApplicationModel;

/// <summary>Endpoint names every Engula component uses; peers and the publisher find each other by them.</summary>
public static class EngulaEndpointNames
{
    /// <summary>The h2c gRPC endpoint of journal, storage and kernel.</summary>
    public const string Grpc = "grpc";

    /// <summary>The engine's HTTP/1.1 API.</summary>
    public const string Http = "http";
}
