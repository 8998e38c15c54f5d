using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Engula.DiscoveryShim.Tests.Infrastructure;

/// <summary>
/// A real DNS server (ARSoft.Tools.Net, UDP and TCP on one loopback port) that answers like Kubernetes DNS for
/// headless Services: A records per name, SRV records with A glue, NXDOMAIN for unknown names, and a SERVFAIL
/// mode. Records change at run time; every query is counted per name and type.
/// </summary>
public sealed class TestDnsServer : IDisposable
{
    private readonly DnsServer _server;
    private readonly ConcurrentDictionary<string, IPAddress[]> _a = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, SrvTarget[]> _srv = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<(string Name, RecordType Type), int> _queries = new();
    private volatile bool _failing;
    private volatile bool _srvGlue = true;

    private TestDnsServer(DnsServer server, int port)
    {
        _server = server;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The value for <see cref="EngulaChannelOptions.NameServer"/>.</summary>
    public string NameServer => $"127.0.0.1:{Port}";

    /// <summary>Starts on a free port. ARSoft does not report the port it bound, so a free one is found first
    /// (and the start retried if another process took it in between).</summary>
    public static TestDnsServer Start()
    {
        for (var attempt = 0; ; attempt++)
        {
            int port;
            using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
            {
                probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                port = ((IPEndPoint)probe.LocalEndPoint!).Port;
            }

            var endpoint = new IPEndPoint(IPAddress.Loopback, port);
            var server = new DnsServer(new UdpServerTransport(endpoint), new TcpServerTransport(endpoint));
            var dns = new TestDnsServer(server, port);
            server.QueryReceived += dns.OnQueryAsync;
            try
            {
                server.Start();
                return dns;
            }
            catch (SocketException) when (attempt < 20)
            {
                server.Stop();
            }
        }
    }

    /// <summary>Sets the A records of <paramref name="name"/> (none = an empty answer, like a Service scaled to zero).</summary>
    public void SetA(string name, params IPAddress[] addresses) => _a[name] = addresses;

    /// <summary>Sets SRV records of <paramref name="name"/>: one per pod, target <c>a-b-c-d.&lt;service&gt;</c>, with A glue.</summary>
    public void SetSrv(string name, int port, params IPAddress[] pods)
    {
        var service = name.StartsWith("_grpc._tcp.", StringComparison.Ordinal) ? name["_grpc._tcp.".Length..] : name;
        _srv[name] = pods.Select(p => new SrvTarget($"{p.ToString().Replace('.', '-')}.{service}", (ushort)port, p)).ToArray();
        foreach (var pod in pods)
        {
            _a[$"{pod.ToString().Replace('.', '-')}.{service}"] = [pod];
        }
    }

    /// <summary>Whether SRV answers carry the A glue (Kubernetes does); without it the client must ask for each target.</summary>
    public bool SrvGlue
    {
        get => _srvGlue;
        set => _srvGlue = value;
    }

    /// <summary>While true every query is answered SERVFAIL.</summary>
    public bool Failing
    {
        get => _failing;
        set => _failing = value;
    }

    public int Queries(string name, RecordType type) => _queries.TryGetValue((name.TrimEnd('.').ToLowerInvariant(), type), out var n) ? n : 0;

    public void Dispose() => _server.Stop();

    private Task OnQueryAsync(object sender, QueryReceivedEventArgs e)
    {
        if (e.Query is not DnsMessage query)
        {
            return Task.CompletedTask;
        }

        var response = query.CreateResponseInstance();
        response.IsAuthoritiveAnswer = true;
        foreach (var question in query.Questions)
        {
            var name = question.Name.ToString().TrimEnd('.');
            _queries.AddOrUpdate((name.ToLowerInvariant(), question.RecordType), 1, (_, n) => n + 1);
            if (_failing)
            {
                response.ReturnCode = ReturnCode.ServerFailure;
                continue;
            }

            var known = _a.ContainsKey(name) || _srv.ContainsKey(name);
            if (!known)
            {
                response.ReturnCode = ReturnCode.NxDomain;
                continue;
            }

            switch (question.RecordType)
            {
                case RecordType.A when _a.TryGetValue(name, out var addresses):
                    foreach (var address in addresses.Where(a => a.AddressFamily == AddressFamily.InterNetwork))
                    {
                        response.AnswerRecords.Add(new ARecord(question.Name, 1, address));
                    }

                    break;
                case RecordType.Aaaa when _a.TryGetValue(name, out var addresses):
                    foreach (var address in addresses.Where(a => a.AddressFamily == AddressFamily.InterNetworkV6))
                    {
                        response.AnswerRecords.Add(new AaaaRecord(question.Name, 1, address));
                    }

                    break;
                case RecordType.Srv when _srv.TryGetValue(name, out var targets):
                    foreach (var target in targets)
                    {
                        var targetName = DomainName.Parse(target.Name);
                        response.AnswerRecords.Add(new SrvRecord(question.Name, 1, 0, 100, target.Port, targetName));
                        if (_srvGlue)
                        {
                            response.AdditionalRecords.Add(new ARecord(targetName, 1, target.Address));
                        }
                    }

                    break;
            }
        }

        e.Response = response;
        return Task.CompletedTask;
    }

    private sealed record SrvTarget(string Name, ushort Port, IPAddress Address);
}
