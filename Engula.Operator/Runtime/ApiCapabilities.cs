namespace Engula.Operator.Runtime;

/// <summary>
/// Which optional APIs the server offers, found once at start from discovery. The operator skips objects of a
/// missing kind (with an Event and a condition reason) instead of failing. PodMonitors exist only where the
/// Prometheus Operator is installed; without them nothing is said per component (most clusters have none), only the
/// start-up log line. An API installed later is seen after the operator restarts.
/// </summary>
internal sealed record ApiCapabilities(string? PodDisruptionBudgetVersion, bool NetworkPolicies, bool PodMonitors = false)
{
    public static async Task<ApiCapabilities> DiscoverAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        var groups = await client.Apis.GetAPIVersionsAsync(cancellationToken);
        bool Has(string group, string version) =>
            groups.Groups.Any(g => g.Name == group && g.Versions.Any(v => v.Version == version));

        // policy/v1 since KubernetesVersion.PolicyV1Since (1.21); policy/v1beta1 carries the same spec on older servers
        // (the test server is 1.20). The builders' group-versions, chosen by what discovery says rather than by the
        // server's version number: a server may turn a group-version off (--runtime-config).
        string? pdb = new[] { KubernetesVersion.PolicyV1, KubernetesVersion.PolicyV1Beta1 }
            .Select(apiVersion => apiVersion.Split('/'))
            .FirstOrDefault(parts => Has(parts[0], parts[1]))?[1];
        return new ApiCapabilities(pdb, Has("networking.k8s.io", "v1"), Has(PodMonitor.Group, PodMonitor.Version));
    }
}
