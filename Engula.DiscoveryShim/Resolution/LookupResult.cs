namespace Engula.DiscoveryShim.Resolution;

/// <summary>The result of one lookup of a target.</summary>
internal sealed record LookupResult(LookupOutcome Outcome, IReadOnlyList<ResolvedEndpoint> Endpoints, string? Error)
{
    public static LookupResult Empty { get; } = new(LookupOutcome.Empty, [], null);

    public static LookupResult Of(IReadOnlyList<ResolvedEndpoint> endpoints) =>
        endpoints.Count == 0 ? Empty : new LookupResult(LookupOutcome.Addresses, endpoints, null);

    public static LookupResult Failure(string error) => new(LookupOutcome.Failed, [], error);
}
