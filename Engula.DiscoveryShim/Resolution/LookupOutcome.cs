namespace Engula.DiscoveryShim.Resolution;

/// <summary>What one lookup of a target found.</summary>
internal enum LookupOutcome
{
    /// <summary>At least one endpoint.</summary>
    Addresses,

    /// <summary>An authoritative "nothing": NXDOMAIN or an empty answer (a headless Service scaled to zero).</summary>
    Empty,

    /// <summary>The lookup itself failed (timeout, SERVFAIL, no name server): nothing is known.</summary>
    Failed,
}
