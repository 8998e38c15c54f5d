using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace Engula.Server.Runtime;

/// <summary>A listen address: <c>host:port</c>, <c>[v6]:port</c> or <c>0.0.0.0:port</c>.
/// Host names are allowed (the original took only IP literals) and bound to every address they resolve to.</summary>
public sealed record ListenAddress(string Host, int Port)
{
    public static ListenAddress Parse(string text) =>
        TryParse(text, out var address, out var error) ? address : throw new FormatException(error);

    public static bool TryParse(string? text, [NotNullWhen(true)] out ListenAddress? address, [NotNullWhen(false)] out string? error)
    {
        address = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty listen address";
            return false;
        }

        var value = text.Trim();
        if (value.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            value = value["http://".Length..].TrimEnd('/');
        }

        if (!Engula.DiscoveryShim.PeerAddress.TryParse(value, out var parsed, out error) || parsed.Kind != Engula.DiscoveryShim.PeerAddressKind.HostPort)
        {
            error ??= $"invalid listen address '{text}': expected host:port";
            return false;
        }

        address = new ListenAddress(parsed.Host, parsed.Port);
        return true;
    }

    /// <summary>The IP addresses to bind: the literal, or every address the host name resolves to.</summary>
    public IReadOnlyList<IPAddress> ResolveBindAddresses()
    {
        if (IPAddress.TryParse(Host, out var ip))
        {
            return [ip];
        }

        if (string.Equals(Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return [IPAddress.Loopback];
        }

        var addresses = Dns.GetHostAddresses(Host);
        if (addresses.Length == 0)
        {
            throw new InvalidOperationException($"listen host '{Host}' does not resolve");
        }

        return addresses.Distinct().ToArray();
    }

    public override string ToString() =>
        Host.Contains(':', StringComparison.Ordinal)
            ? string.Create(CultureInfo.InvariantCulture, $"[{Host}]:{Port}")
            : string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");
}
