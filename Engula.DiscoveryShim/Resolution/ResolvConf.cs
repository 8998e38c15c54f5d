using System.Globalization;

namespace Engula.DiscoveryShim.Resolution;

/// <summary>
/// The search path of <c>/etc/resolv.conf</c>. DnsClient reads the name servers from it but not the
/// <c>search</c>/<c>ndots</c> lines, and a pod's short names (<c>_grpc._tcp.journal</c>) only resolve through them,
/// so SRV queries against the system name servers apply the search path the way the C library does.
/// </summary>
internal sealed record ResolvConf(IReadOnlyList<string> SearchDomains, int Ndots)
{
    public static ResolvConf None { get; } = new([], 1);

    public static ResolvConf Load(string path = "/etc/resolv.conf")
    {
        try
        {
            return File.Exists(path) ? Parse(File.ReadAllText(path)) : None;
        }
        catch (IOException)
        {
            return None;
        }
        catch (UnauthorizedAccessException)
        {
            return None;
        }
    }

    public static ResolvConf Parse(string text)
    {
        IReadOnlyList<string> search = [];
        var ndots = 1;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            var parts = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            switch (parts[0])
            {
                // The last "search" or "domain" line wins, as in glibc.
                case "search":
                    search = parts.Skip(1).Select(d => d.TrimEnd('.')).Where(d => d.Length > 0).ToArray();
                    break;
                case "domain" when parts.Length > 1:
                    search = [parts[1].TrimEnd('.')];
                    break;
                case "options":
                    foreach (var option in parts.Skip(1))
                    {
                        if (option.StartsWith("ndots:", StringComparison.Ordinal)
                            && int.TryParse(option.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                        {
                            ndots = Math.Min(n, 15);
                        }
                    }

                    break;
            }
        }

        return new ResolvConf(search, ndots);
    }

    /// <summary>The names to try for <paramref name="name"/>, in order (glibc's rule: a name with at least
    /// <see cref="Ndots"/> dots is tried as is first; a trailing dot means fully qualified).</summary>
    public IReadOnlyList<string> Candidates(string name)
    {
        if (name.EndsWith('.'))
        {
            return [name.TrimEnd('.')];
        }

        var searched = SearchDomains.Select(d => name + "." + d);
        var dots = name.Count(c => c == '.');
        return dots >= Ndots ? [name, .. searched] : [.. searched, name];
    }
}
