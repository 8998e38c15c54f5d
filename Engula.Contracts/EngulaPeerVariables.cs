namespace Engula;

/// <summary>
/// The settings that carry a peer's address, in the order a component looks for them: its flag (<c>--journal</c>),
/// <c>ENGULA_&lt;PEER&gt;</c>, Aspire's service-discovery key, and the original operator's <c>kubecluster</c> +
/// <c>&lt;peer&gt;port</c>. The names are part of the contract between the components and whatever starts them (the
/// AppHost, the published manifests, the operator), so they are spelled here and nowhere else.
/// </summary>
public static class EngulaPeerVariables
{
    /// <summary>The prefix of the variables that hold a peer's address.</summary>
    public const string Prefix = "ENGULA_";

    /// <summary>The original operator's variable naming the cluster; a peer's Service is <c>&lt;kubecluster&gt;-&lt;peer&gt;</c>.</summary>
    public const string OriginalCluster = "kubecluster";

    /// <summary>The variable the pod's own name is injected as (the original operator's <c>POD_NAME</c>).</summary>
    public const string PodName = "POD_NAME";

    /// <summary>The endpoint name under which Aspire publishes a gRPC component's address.</summary>
    public const string AspireGrpcEndpoint = "grpc";

    /// <summary><c>ENGULA_JOURNAL</c>, <c>ENGULA_STORAGE</c>, <c>ENGULA_KERNEL</c>, <c>ENGULA_ENGINE</c>.</summary>
    public static string Address(EngulaComponentKind peer) => Address(peer.Name());

    /// <summary><c>ENGULA_&lt;PEER&gt;</c> for a logical peer name (e.g. a sidecar's <c>--target journal</c>).</summary>
    public static string Address(string peer)
    {
        ArgumentException.ThrowIfNullOrEmpty(peer);
        return Prefix + peer.ToUpperInvariant();
    }

    /// <summary>The original operator's port variable: <c>journalport</c>, <c>storageport</c>, <c>kernelport</c>.</summary>
    public static string OriginalPort(EngulaComponentKind peer) => OriginalPort(peer.Name());

    /// <summary>The original operator's port variable for a logical peer name.</summary>
    public static string OriginalPort(string peer)
    {
        ArgumentException.ThrowIfNullOrEmpty(peer);
        return peer.ToLowerInvariant() + "port";
    }

    /// <summary>Aspire's service-discovery key for a peer's first gRPC endpoint, as an environment variable.</summary>
    public static string AspireEndpoint(string peer) => $"services__{peer.ToLowerInvariant()}__{AspireGrpcEndpoint}__0";

    /// <summary>
    /// What a user can set when no address names <paramref name="peer"/>, for error messages: one wording wherever a
    /// peer is missing.
    /// </summary>
    public static string Choices(string peer) =>
        $"{Address(peer)}, {AspireEndpoint(peer)}, or {OriginalCluster} + {OriginalPort(peer)}";
}
