using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Engula.DiscoveryShim;

/// <summary>
/// Finds where a peer (<c>journal</c>, <c>storage</c>, <c>kernel</c>) lives, in a fixed order —
/// first match wins:
/// <list type="number">
/// <item>the command-line flag (<c>--journal</c>, <c>--storage</c>, <c>--kernel</c>);</item>
/// <item><c>ENGULA_&lt;PEER&gt;</c> (any address form);</item>
/// <item>Aspire's <c>services__&lt;peer&gt;__grpc__&lt;i&gt;</c> (the lowest index that has a value);</item>
/// <item>the original operator's <c>kubecluster</c> + <c>&lt;peer&gt;port</c> → <c>dns:///&lt;kubecluster&gt;-&lt;peer&gt;:&lt;port&gt;</c>.</item>
/// </list>
/// A value that is itself a bare logical name (<c>--journal journal</c>) is looked up through steps 2–4 for that
/// name. Every value found is validated, and a bad one is reported with the setting it came from, because
/// "invalid port" alone does not tell an operator which of four places to fix.
/// </summary>
public static class PeerLocator
{
    /// <summary>Returns the address of <paramref name="peer"/>, parsed and dialable, or null when nothing names it.</summary>
    /// <exception cref="FormatException">A setting that names the peer holds an invalid address.</exception>
    /// <exception cref="InvalidOperationException">The flag names a logical peer that no setting defines.</exception>
    public static PeerAddress? Locate(string peer, string? flagValue, IConfiguration configuration)
    {
        ArgumentException.ThrowIfNullOrEmpty(peer);
        ArgumentNullException.ThrowIfNull(configuration);

        if (!string.IsNullOrWhiteSpace(flagValue))
        {
            return ResolveValue(flagValue.Trim(), "--" + peer.ToLowerInvariant(), configuration);
        }

        return LocateFromConfiguration(peer, configuration);
    }

    /// <summary>Steps 2–4 of the order, without a command-line flag.</summary>
    public static PeerAddress? LocateFromConfiguration(string peer, IConfiguration configuration)
    {
        ArgumentException.ThrowIfNullOrEmpty(peer);
        ArgumentNullException.ThrowIfNull(configuration);

        var key = EnvironmentKey(peer);
        var env = configuration[key];
        if (!string.IsNullOrWhiteSpace(env))
        {
            return ResolveValue(env.Trim(), key, configuration);
        }

        return FromAspireOrOriginal(peer, configuration);
    }

    /// <summary>The original operator's discovery: <c>dns:///&lt;kubecluster&gt;-&lt;peer&gt;:&lt;peer&gt;port</c>, or null
    /// when either variable is missing.</summary>
    /// <exception cref="FormatException">The port variable is not a port number.</exception>
    public static PeerAddress? OriginalOperatorAddress(string peer, IConfiguration configuration)
    {
        ArgumentException.ThrowIfNullOrEmpty(peer);
        ArgumentNullException.ThrowIfNull(configuration);

        var cluster = configuration[EngulaPeerVariables.OriginalCluster];
        var portKey = EngulaPeerVariables.OriginalPort(peer);
        var port = configuration[portKey];
        if (string.IsNullOrWhiteSpace(cluster) || string.IsNullOrWhiteSpace(port))
        {
            return null;
        }

        if (!int.TryParse(port.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
        {
            throw new FormatException($"{portKey}='{port}' is not a port number (1-65535)");
        }

        var address = string.Create(CultureInfo.InvariantCulture, $"dns:///{cluster.Trim()}-{peer.ToLowerInvariant()}:{number}");
        return Validate(address, $"{EngulaPeerVariables.OriginalCluster} + {portKey}");
    }

    /// <summary>
    /// The first Aspire service-discovery endpoint <c>services__&lt;service&gt;__&lt;endpoint&gt;__&lt;i&gt;</c> (lowest
    /// index first); Aspire writes it as a URL (<c>http://localhost:24570</c>).
    /// </summary>
    public static string? AspireEndpoint(string service, string endpoint, IConfiguration configuration)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentException.ThrowIfNullOrEmpty(endpoint);
        ArgumentNullException.ThrowIfNull(configuration);

        var section = configuration.GetSection($"services:{service}:{endpoint}");
        var first = section.GetChildren()
            .Where(c => !string.IsNullOrWhiteSpace(c.Value))
            // Ordinal order would put "10" before "2"; the index is a number.
            .OrderBy(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : int.MaxValue)
            .ThenBy(c => c.Key, StringComparer.Ordinal)
            .FirstOrDefault();
        return first?.Value?.Trim();
    }

    private static string EnvironmentKey(string peer) => EngulaPeerVariables.Address(peer);

    private static PeerAddress? FromAspireOrOriginal(string peer, IConfiguration configuration)
    {
        var aspire = AspireEndpoint(peer, EngulaPeerVariables.AspireGrpcEndpoint, configuration);
        if (aspire is not null)
        {
            return Validate(aspire, $"services__{peer}__{EngulaPeerVariables.AspireGrpcEndpoint}");
        }

        return OriginalOperatorAddress(peer, configuration);
    }

    /// <summary>Validates <paramref name="value"/>; a logical name is looked up through steps 2–4 for that name.</summary>
    private static PeerAddress ResolveValue(string value, string source, IConfiguration configuration)
    {
        if (!PeerAddress.TryParse(value, out var address, out var error))
        {
            throw new FormatException($"{source}: {error}");
        }

        if (address.Kind != PeerAddressKind.Logical)
        {
            return RequireDialable(address, source);
        }

        var name = address.Host;
        var key = EnvironmentKey(name);
        var env = configuration[key];

        // ENGULA_X may itself hold a logical name; following it again could loop, so only a concrete address counts.
        if (!string.IsNullOrWhiteSpace(env) && PeerAddress.TryParse(env.Trim(), out var envAddress, out _) && envAddress.Kind != PeerAddressKind.Logical)
        {
            return RequireDialable(envAddress, key);
        }

        return FromAspireOrOriginal(name, configuration)
            ?? throw new InvalidOperationException($"{source}='{value}' names the logical peer '{name}', but {NotConfigured(name)}");
    }

    /// <summary>"no address is configured for it (set …)": one wording wherever a logical peer has no address.</summary>
    public static string NotConfigured(string peer) =>
        $"no address is configured for it (set {EngulaPeerVariables.Choices(peer)}; or give host:port)";

    private static PeerAddress Validate(string value, string source)
    {
        if (!PeerAddress.TryParse(value, out var address, out var error))
        {
            throw new FormatException($"{source}: {error}");
        }

        if (address.Kind == PeerAddressKind.Logical)
        {
            throw new FormatException($"{source}: '{value}' is not an address (expected host:port, http://host:port, dns:///host:port or srv:///name)");
        }

        return RequireDialable(address, source);
    }

    /// <summary>A peer's address must name a port to dial (port 0 only makes sense for a listener).</summary>
    private static PeerAddress RequireDialable(PeerAddress address, string source) =>
        address.Kind != PeerAddressKind.Srv && address.Port == 0
            ? throw new FormatException($"{source}: '{address.Original}': port 0 cannot be dialled")
            : address;
}
