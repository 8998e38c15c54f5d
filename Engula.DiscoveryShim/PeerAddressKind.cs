namespace Engula.DiscoveryShim;

/// <summary>The address forms every Engula peer address may take.</summary>
public enum PeerAddressKind
{
    /// <summary><c>host:port</c> or <c>http://host:port</c>: one endpoint, host names re-resolved on failure (an IP
    /// literal, with nothing to resolve, gets grpc-dotnet's static channel with the same retries and back-off).</summary>
    HostPort,

    /// <summary><c>dns:///host:port</c>: every A/AAAA record of the host (a headless Service).</summary>
    Dns,

    /// <summary><c>srv:///name</c>: the SRV records of the name.</summary>
    Srv,

    /// <summary>A bare logical name (<c>journal</c>, <c>storage</c>, <c>kernel</c>) resolved from configuration.</summary>
    Logical,
}
