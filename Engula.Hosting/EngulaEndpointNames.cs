namespace Aspire.Hosting.ApplicationModel;

/// <summary>Endpoint names fixed by CONTRACTS §3.</summary>
public static class EngulaEndpointNames
{
    /// <summary>The h2c gRPC endpoint of journal, storage and kernel.</summary>
    public const string Grpc = "grpc";

    /// <summary>The engine's HTTP/1.1 API.</summary>
    public const string Http = "http";
}
