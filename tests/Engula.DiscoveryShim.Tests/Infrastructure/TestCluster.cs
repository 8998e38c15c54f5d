using System.Net;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;

namespace Engula.DiscoveryShim.Tests.Infrastructure;

/// <summary>
/// One headless Service in miniature: a DNS server answering for <see cref="ServiceName"/> and four backend
/// "pods" on 127.0.0.2–5 sharing <see cref="Port"/>, none started or listed until a test says so.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    public const string ServiceName = "journal.t.svc.cluster.local";
    public const string SrvName = "_grpc._tcp." + ServiceName;

    private TestCluster(TestDnsServer dns, int port)
    {
        Dns = dns;
        Port = port;
        Backends = LoopbackPort.Backends.Select(ip => new TestBackend(ip, port, State)).ToArray();
    }

    public TestDnsServer Dns { get; }

    public int Port { get; }

    public BackendState State { get; } = new();

    /// <summary>127.0.0.2, .3, .4, .5 (indexes 0–3).</summary>
    public TestBackend[] Backends { get; }

    public string DnsTarget => $"dns:///{ServiceName}:{Port}";

    public static TestCluster Create() => new(TestDnsServer.Start(), LoopbackPort.FreeOnAllBackends());

    public async Task StartAsync(params int[] backends)
    {
        foreach (var i in backends)
        {
            await Backends[i].StartAsync(TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Lists exactly these backends in DNS (none: an empty answer).</summary>
    public void List(params int[] backends) => Dns.SetA(ServiceName, backends.Select(i => Backends[i].Address).ToArray());

    /// <summary>A factory pointed at the test DNS server, with fast refresh settings unless overridden.</summary>
    public EngulaChannelFactory Factory(Action<EngulaChannelOptions>? configure = null)
    {
        var options = new EngulaChannelOptions
        {
            NameServer = Dns.NameServer,
            RefreshInterval = TimeSpan.FromMilliseconds(300),
            MinResolveInterval = TimeSpan.FromMilliseconds(100),
        };
        configure?.Invoke(options);
        var logFile = Environment.GetEnvironmentVariable("ENGULA_TEST_GRPC_LOG");
        return logFile is null
            ? new EngulaChannelFactory(options)
            : new EngulaChannelFactory(options, loggerFactory: LoggerFactory.Create(b => b.AddProvider(new FileLoggerProvider(logFile)).SetMinimumLevel(LogLevel.Trace)));
    }

    public int CallsTo(int backend) => State.CallsTo(Backends[backend].Name);

    public static async Task<HealthCheckResponse> CheckAsync(GrpcChannel channel, bool waitForReady = false, TimeSpan? timeout = null)
    {
        var client = new Health.HealthClient(channel);
        var options = new CallOptions(deadline: DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5)), cancellationToken: TestContext.Current.CancellationToken);
        return await client.CheckAsync(new HealthCheckRequest(), waitForReady ? options.WithWaitForReady() : options);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var backend in Backends)
        {
            await backend.DisposeAsync();
        }

        Dns.Dispose();
    }
}
