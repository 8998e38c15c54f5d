using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Engula.DiscoveryShim;

/// <summary>
/// Finds where a peer (<c>journal</c>, <c>storage</c>, <c>kernel</c>) lives, in the order CONTRACTS §3 fixes:
/// the command-line flag, <c>ENGULA_&lt;PEER&gt;</c>, Aspire's <c>services__&lt;peer&gt;__grpc__&lt;i&gt;</c>, then the
/// original operator's <c>kubecluster</c> + <c>&lt;peer&gt;port</c>.
/// </summary>
public static class PeerLocator
{
    /// <summary>Returns the address of <paramref name="peer"/>, or null when nothing names it.</summary>
    public static string? Locate(string peer, string? flagValue, IConfiguration configuration)
    {
        ArgumentException.ThrowIfNullOrEmpty(peer);
        ArgumentNullException.ThrowIfNull(configuration);

        if (!string.IsNullOrWhiteSpace(flagValue))
        {
            return ResolveLogical(flagValue.Trim(), configuration) ?? flagValue.Trim();
        }

        return LocateFromConfiguration(peer, configuration);
    }

    /// <summary>Steps 2–4 of the order, without a command-line flag.</summary>
    public static string? LocateFromConfiguration(string peer, IConfiguration configuration)
    {
        var env = configuration["ENGULA_" + peer.ToUpperInvariant()];
        if (!string.IsNullOrWhiteSpace(env))
        {
            return ResolveLogical(env.Trim(), configuration) ?? env.Trim();
        }

        var aspire = AspireEndpoint(peer, "grpc", configuration);
        if (aspire is not null)
        {
            return aspire;
        }

        return OriginalOperatorAddress(peer, configuration);
    }

    /// <summary>The original operator's discovery: <c>dns:///&lt;kubecluster&gt;-&lt;peer&gt;:&lt;peer&gt;port</c>.</summary>
    public static string? OriginalOperatorAddress(string peer, IConfiguration configuration)
    {
        var cluster = configuration["kubecluster"];
        var port = configuration[peer.ToLowerInvariant() + "port"];
        if (string.IsNullOrWhiteSpace(cluster) || string.IsNullOrWhiteSpace(port))
        {
            return null;
        }

        return string.Create(CultureInfo.InvariantCulture, $"dns:///{cluster.Trim()}-{peer.ToLowerInvariant()}:{port.Trim()}");
    }

    /// <summary>
    /// The first Aspire service-discovery endpoint <c>services__&lt;service&gt;__&lt;endpoint&gt;__0</c>; Aspire writes
    /// it as a URL (<c>http://localhost:24570</c>).
    /// </summary>
    public static string? AspireEndpoint(string service, string endpoint, IConfiguration configuration)
    {
        var section = configuration.GetSection($"services:{service}:{endpoint}");
        foreach (var child in section.GetChildren().OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            if (!string.IsNullOrWhiteSpace(child.Value))
            {
                return child.Value.Trim();
            }
        }

        return null;
    }

    private static string? ResolveLogical(string value, IConfiguration configuration)
    {
        if (!PeerAddress.TryParse(value, out var address, out _) || address.Kind != PeerAddressKind.Logical)
        {
            return null;
        }

        return AspireEndpoint(address.Host, "grpc", configuration) ?? OriginalOperatorAddress(address.Host, configuration);
    }
}
