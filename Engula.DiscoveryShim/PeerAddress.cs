using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Engula.DiscoveryShim;

/// <summary>A parsed peer address (the forms are those of <see cref="PeerAddressKind"/>). <see cref="Original"/> is kept verbatim because the kernel
/// reports its peers to engines in the form it was given (<c>PlaceLookup</c>).</summary>
public sealed record PeerAddress(PeerAddressKind Kind, string Host, int Port, string Original)
{
    public static PeerAddress Parse(string value) =>
        TryParse(value, out var address, out var error) ? address : throw new FormatException(error);

    public static bool TryParse(string? value, [NotNullWhen(true)] out PeerAddress? address, [NotNullWhen(false)] out string? error)
    {
        address = null;
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            error = "empty address";
            return false;
        }

        if (text.StartsWith("dns:///", StringComparison.OrdinalIgnoreCase))
        {
            if (!TrySplitHostPort(text["dns:///".Length..], out var host, out var port, out error))
            {
                return false;
            }

            address = new PeerAddress(PeerAddressKind.Dns, host, port, text);
            return true;
        }

        if (text.StartsWith("srv:///", StringComparison.OrdinalIgnoreCase))
        {
            var name = text["srv:///".Length..];
            if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal))
            {
                error = $"invalid SRV address '{text}': expected srv:///<name>";
                return false;
            }

            address = new PeerAddress(PeerAddressKind.Srv, name, 0, text);
            error = null;
            return true;
        }

        var hostPort = text;
        if (text.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            hostPort = text["http://".Length..].TrimEnd('/');

            // An http:// URL always names one endpoint; without this check "http://journal" would be taken
            // for the logical name "journal".
            if (hostPort.Length == 0 || (!hostPort.Contains(':', StringComparison.Ordinal)))
            {
                error = $"invalid address '{text}': expected http://host:port";
                return false;
            }
        }
        else if (text.StartsWith("dns://", StringComparison.OrdinalIgnoreCase))
        {
            error = $"invalid address '{text}': a DNS authority (dns://server/name) is not supported; use dns:///host:port and set the name server in the Engula:Discovery:NameServer setting";
            return false;
        }
        else if (text.Contains("://", StringComparison.Ordinal))
        {
            error = $"unsupported address scheme in '{text}' (use host:port, http://host:port, dns:///host:port or srv:///name; peers speak h2c, so https:// is not supported)";
            return false;
        }

        if (!hostPort.Contains(':', StringComparison.Ordinal) && IsLogicalName(hostPort))
        {
            address = new PeerAddress(PeerAddressKind.Logical, hostPort, 0, text);
            error = null;
            return true;
        }

        if (!TrySplitHostPort(hostPort, out var h, out var p, out error))
        {
            return false;
        }

        address = new PeerAddress(PeerAddressKind.HostPort, h, p, text);
        return true;
    }

    /// <summary>The <c>http://host:port</c> URI used to dial a single endpoint.</summary>
    public Uri ToHttpUri()
    {
        var host = Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host;
        return new Uri($"http://{host}:{Port.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>True when <see cref="Host"/> is an IP literal, so no name resolution is needed.</summary>
    public bool IsIpLiteral => System.Net.IPAddress.TryParse(Host, out _);

    public override string ToString() => Original;

    internal static bool TrySplitHostPort(string text, out string host, out int port, [NotNullWhen(false)] out string? error)
    {
        host = string.Empty;
        port = 0;
        int colon;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
            {
                error = $"invalid address '{text}': expected [v6]:port";
                return false;
            }

            host = text[1..close];
            colon = close + 1;
            if (!System.Net.IPAddress.TryParse(host, out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                error = $"invalid address '{text}': '[{host}]' is not an IPv6 address";
                return false;
            }
        }
        else
        {
            colon = text.LastIndexOf(':');
            if (colon <= 0)
            {
                error = $"invalid address '{text}': expected host:port";
                return false;
            }

            host = text[..colon];
            if (host.Contains(':', StringComparison.Ordinal))
            {
                error = $"invalid address '{text}': IPv6 hosts need brackets ([v6]:port)";
                return false;
            }

            if (!IsLogicalName(host))
            {
                error = $"invalid address '{text}': '{host}' is not a host name or IP address";
                return false;
            }
        }

        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 0 or > 65535)
        {
            error = $"invalid port in address '{text}'";
            return false;
        }

        error = null;
        return true;
    }

    private static bool IsLogicalName(string text) =>
        text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
