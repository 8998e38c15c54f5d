using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;

namespace Engula.DiscoveryShim.Resolution;

/// <summary>
/// Looks targets up in DNS. With a configured name server every query goes to it through DnsClient (A and
/// AAAA, SRV). Without one, A/AAAA go through the operating system's resolver (<c>/etc/hosts</c>, search path,
/// <c>ndots</c>: what a pod expects of a short name like <c>cluster-journal</c>), and SRV through DnsClient with the
/// name servers and search path of <c>/etc/resolv.conf</c>. Nothing is cached: the resolver decides when to ask.
/// </summary>
internal sealed class DnsEndpointLookup : IEndpointLookup
{
    private readonly EngulaChannelOptions _options;
    private readonly Lazy<ILookupClient?> _dns;
    private readonly ResolvConf _resolvConf;

    public DnsEndpointLookup(EngulaChannelOptions options)
    {
        _options = options;
        _resolvConf = options.NameServer is null ? ResolvConf.Load() : ResolvConf.None;

        // A configured name server is parsed at once so a typo fails channel creation, not the first query.
        if (options.NameServer is not null)
        {
            var client = CreateClient([ParseNameServer(options.NameServer)]);
            _dns = new Lazy<ILookupClient?>(client);
        }
        else
        {
            _dns = new Lazy<ILookupClient?>(CreateSystemClient, LazyThreadSafetyMode.ExecutionAndPublication);
        }
    }

    public async Task<LookupResult> LookupAsync(PeerAddress target, CancellationToken cancellationToken)
    {
        try
        {
            return target.Kind switch
            {
                PeerAddressKind.Srv => await LookupSrvAsync(target.Host, cancellationToken).ConfigureAwait(false),
                _ when target.IsIpLiteral => LookupResult.Of([new ResolvedEndpoint(IPAddress.Parse(target.Host).ToString(), target.Port, Authority(target.Host, target.Port))]),
                _ when _options.NameServer is not null => await LookupAddressesWithDnsClientAsync(target.Host, target.Port, Authority(target.Host, target.Port), cancellationToken).ConfigureAwait(false),
                _ => await LookupAddressesWithSystemAsync(target.Host, target.Port, cancellationToken).ConfigureAwait(false),
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is DnsResponseException or SocketException or IOException or OperationCanceledException or InvalidOperationException)
        {
            return LookupResult.Failure(e.Message);
        }
    }

    internal static IPEndPoint ParseNameServer(string text)
    {
        if (IPAddress.TryParse(text, out var bare))
        {
            return new IPEndPoint(bare, 53);
        }

        if (IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port != 0)
        {
            return endpoint;
        }

        throw new FormatException($"name server '{text}' is not an IP address or ip:port");
    }

    private static string Authority(string host, int port) =>
        host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";

    private static IReadOnlyList<ResolvedEndpoint> Sorted(IEnumerable<IPAddress> addresses, int port, string authority) =>
        addresses
            .Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a)
            .Distinct()
            .OrderBy(a => a.AddressFamily)
            .ThenBy(a => Convert.ToHexString(a.GetAddressBytes()), StringComparer.Ordinal)
            .Select(a => new ResolvedEndpoint(a.ToString(), port, authority))
            .ToArray();

    private async Task<LookupResult> LookupAddressesWithSystemAsync(string host, int port, CancellationToken cancellationToken)
    {
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, AddressFamily.Unspecified, cancellationToken).ConfigureAwait(false);
            return LookupResult.Of(Sorted(addresses, port, Authority(host, port)));
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData)
        {
            // NXDOMAIN / no records: authoritative emptiness, e.g. a headless Service without endpoints.
            return LookupResult.Empty;
        }
    }

    private async Task<LookupResult> LookupAddressesWithDnsClientAsync(string host, int port, string authority, CancellationToken cancellationToken)
    {
        var dns = _dns.Value ?? throw new InvalidOperationException("no DNS name server is configured or found in /etc/resolv.conf");
        var a = dns.QueryAsync(host, QueryType.A, QueryClass.IN, cancellationToken);
        var aaaa = dns.QueryAsync(host, QueryType.AAAA, QueryClass.IN, cancellationToken);
        var responses = await Task.WhenAll(a, aaaa).ConfigureAwait(false);

        var addresses = new List<IPAddress>();
        string? error = null;
        foreach (var response in responses)
        {
            if (IsHardError(response))
            {
                error ??= $"{host}: {response.ErrorMessage}";
                continue;
            }

            addresses.AddRange(response.Answers.ARecords().Select(r => r.Address));
            addresses.AddRange(response.Answers.AaaaRecords().Select(r => r.Address));
        }

        if (addresses.Count > 0)
        {
            return LookupResult.Of(Sorted(addresses, port, authority));
        }

        // An empty answer only counts as "no endpoints" when neither query failed.
        return error is null ? LookupResult.Empty : LookupResult.Failure(error);
    }

    private async Task<LookupResult> LookupSrvAsync(string name, CancellationToken cancellationToken)
    {
        var dns = _dns.Value ?? throw new InvalidOperationException("no DNS name server is configured or found in /etc/resolv.conf");
        foreach (var candidate in _resolvConf.Candidates(name))
        {
            var response = await dns.QueryAsync(candidate, QueryType.SRV, QueryClass.IN, cancellationToken).ConfigureAwait(false);
            if (IsHardError(response))
            {
                return LookupResult.Failure($"{candidate}: {response.ErrorMessage}");
            }

            var records = response.Answers.SrvRecords().ToList();
            if (records.Count == 0)
            {
                continue;
            }

            // RFC 2782: only the lowest priority is used while it has targets (Kubernetes gives all the same).
            var priority = records.Min(r => r.Priority);
            var endpoints = new List<ResolvedEndpoint>();
            foreach (var record in records.Where(r => r.Priority == priority))
            {
                var target = record.Target.Value.TrimEnd('.');
                var authority = Authority(target, record.Port);
                if (IPAddress.TryParse(target, out var literal))
                {
                    endpoints.AddRange(Sorted([literal], record.Port, authority));
                    continue;
                }

                // Kubernetes sends the pods' A records as glue in the additional section; ask only when it did not.
                var glue = response.Additionals.ARecords().Where(r => SameName(r.DomainName, target)).Select(r => r.Address)
                    .Concat(response.Additionals.AaaaRecords().Where(r => SameName(r.DomainName, target)).Select(r => r.Address))
                    .ToList();
                if (glue.Count > 0)
                {
                    endpoints.AddRange(Sorted(glue, record.Port, authority));
                    continue;
                }

                var resolved = await LookupAddressesWithDnsClientAsync(target, record.Port, authority, cancellationToken).ConfigureAwait(false);
                if (resolved.Outcome == LookupOutcome.Failed)
                {
                    return resolved;
                }

                endpoints.AddRange(resolved.Endpoints);
            }

            return LookupResult.Of(endpoints.Distinct().ToArray());
        }

        return LookupResult.Empty;
    }

    private static bool SameName(DnsString name, string target) =>
        string.Equals(name.Value.TrimEnd('.'), target, StringComparison.OrdinalIgnoreCase);

    // NXDOMAIN is an answer ("no such name"), not a failure.
    private static bool IsHardError(IDnsQueryResponse response) =>
        response.HasError && response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain;

    private ILookupClient? CreateSystemClient()
    {
        // Never fall back to a public resolver: inside a cluster that would answer for the wrong names.
        var servers = NameServer.ResolveNameServers(skipIPv6SiteLocal: true, fallbackToGooglePublicDns: false);
        return servers.Count == 0 ? null : CreateClient(servers.Select(s => new IPEndPoint(IPAddress.Parse(s.Address), s.Port)).ToArray());
    }

    private LookupClient CreateClient(IPEndPoint[] servers) =>
        new(new LookupClientOptions(servers)
        {
            // The resolver decides when to ask again; a cache would hide a scale-down for the TTL.
            UseCache = false,
            Timeout = _options.DnsQueryTimeout,
            Retries = 1,
            ThrowDnsErrors = false,
            UseTcpFallback = true,
        });
}
