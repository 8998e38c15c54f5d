namespace Engula.DiscoveryShim.Resolution;

/// <summary>Turns a target into endpoints; one query round per call, no caching (the resolver decides when).</summary>
internal interface IEndpointLookup
{
    Task<LookupResult> LookupAsync(PeerAddress target, CancellationToken cancellationToken);
}
