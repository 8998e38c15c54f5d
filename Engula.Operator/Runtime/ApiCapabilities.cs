using k8s;

namespace Engula.Operator.Runtime;

/// <summary>
/// Which optional APIs the server offers, found once at start from discovery. The operator skips objects of a
/// missing kind (with an Event and a condition reason) instead of failing (CONTRACTS §5).
/// </summary>
public sealed record ApiCapabilities(string? PodDisruptionBudgetVersion, bool NetworkPolicies)
{
    public static async Task<ApiCapabilities> DiscoverAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        var groups = await client.Apis.GetAPIVersionsAsync(cancellationToken);
        bool Has(string group, string version) =>
            groups.Groups.Any(g => g.Name == group && g.Versions.Any(v => v.Version == version));

        // policy/v1 since 1.21; policy/v1beta1 carries the same spec on older servers (the test server is 1.20).
        string? pdb = Has("policy", "v1") ? "v1" : Has("policy", "v1beta1") ? "v1beta1" : null;
        return new ApiCapabilities(pdb, Has("networking.k8s.io", "v1"));
    }
}
