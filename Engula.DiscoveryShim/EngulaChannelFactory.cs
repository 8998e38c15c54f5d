using System.Net;
using Engula.DiscoveryShim.Balancing;
using Engula.DiscoveryShim.Resolution;
using Engula.DiscoveryShim.Telemetry;
using Engula.DiscoveryShim.Transport;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engula.DiscoveryShim;

/// <summary>
/// Creates gRPC channels for Engula peers from any address form of <see cref="PeerAddressKind"/>. Every channel runs on
/// grpc-dotnet's balancer API with this library's resolver:
/// <list type="table">
/// <listheader><term>address</term><description>resolution and policy</description></listheader>
/// <item><term><c>dns:///host:port</c></term><description>all A/AAAA records, re-resolved periodically, on connection failure (with a floor) and again soon after an empty answer; round robin over every ready endpoint</description></item>
/// <item><term><c>srv:///name</c></term><description>SRV records (+ glue A records), same refresh rules; round robin</description></item>
/// <item><term><c>host:port</c>, <c>http://host:port</c></term><description>one endpoint: an IP literal as is, a host name resolved (all its addresses tried in order) and re-resolved on failure; pick first</description></item>
/// <item><term>logical name (<c>journal</c>)</term><description>looked up with <see cref="PeerLocator.LocateFromConfiguration"/>, then as above</description></item>
/// </list>
/// Channels connect lazily: creating one for a peer that is not up yet is not an error, and the channel follows
/// the peer through restarts and scale events without being recreated. Calls to the idempotent Engula methods
/// are retried on UNAVAILABLE (<see cref="EngulaCallClassification"/>). grpc-dotnet's connection back-off
/// (<see cref="EngulaChannelOptions.InitialReconnectBackoff"/>, <see cref="EngulaChannelOptions.MaxReconnectBackoff"/>)
/// paces reconnects.
/// </summary>
public sealed class EngulaChannelFactory
{
    // Shared when no IMeterFactory is given, so factories created ad hoc (CLI probes, tests) add no meters.
    private static readonly Lazy<DiscoveryMetrics> SharedMetrics = new(() => new DiscoveryMetrics(null));

    private readonly EngulaChannelOptions _options;
    private readonly IConfiguration _configuration;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly IEndpointLookup _lookup;
    private readonly DiscoveryMetrics _metrics;

    /// <param name="options">Channel settings; null = read from <paramref name="configuration"/> (section
    /// <c>Engula:Discovery</c>), else defaults.</param>
    /// <param name="configuration">Where logical names and the discovery settings are looked up.</param>
    /// <param name="loggerFactory">Logs of the shim and of grpc-dotnet's channel.</param>
    public EngulaChannelFactory(EngulaChannelOptions? options = null, IConfiguration? configuration = null, ILoggerFactory? loggerFactory = null)
    {
        _configuration = configuration ?? new ConfigurationBuilder().Build();
        _options = options ?? EngulaChannelOptions.FromConfiguration(_configuration);
        _options.Validate();
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<EngulaChannelFactory>();
        _metrics = _options.MeterFactory is { } meterFactory ? new DiscoveryMetrics(meterFactory) : SharedMetrics.Value;
        _lookup = new DnsEndpointLookup(_options);
    }

    /// <summary>The settings channels are built with.</summary>
    public EngulaChannelOptions Options => _options;

    internal DiscoveryMetrics Metrics => _metrics;

    /// <summary>Parses <paramref name="address"/> and, for a logical name, finds the configured address.</summary>
    /// <exception cref="FormatException">The address (or the configured one) is invalid.</exception>
    /// <exception cref="InvalidOperationException">A logical name has no configured address.</exception>
    public PeerAddress ResolvePeer(string address)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        return ResolvePeer(PeerAddress.Parse(address));
    }

    /// <summary>For a logical name, the configured address; any other address as it is, once checked to be dialable.</summary>
    /// <exception cref="FormatException">The configured address is invalid, or the address has port 0.</exception>
    /// <exception cref="InvalidOperationException">A logical name has no configured address.</exception>
    public PeerAddress ResolvePeer(PeerAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var peer = address;
        if (peer.Kind == PeerAddressKind.Logical)
        {
            peer = PeerLocator.LocateFromConfiguration(peer.Host, _configuration)
                ?? throw new InvalidOperationException($"'{peer.Host}' names a logical peer, but {PeerLocator.NotConfigured(peer.Host)}");
        }

        if (peer.Kind != PeerAddressKind.Srv && peer.Port == 0)
        {
            throw new FormatException($"invalid address '{peer.Original}': port 0 cannot be dialled");
        }

        return peer;
    }

    /// <summary>Creates a channel for <paramref name="address"/> (any form of <see cref="PeerAddressKind"/>). The channel connects
    /// lazily, so a peer that is not up yet is not an error here. Dispose the channel when done.</summary>
    public GrpcChannel CreateChannel(string address)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        return CreateChannel(PeerAddress.Parse(address));
    }

    /// <summary>Creates a channel for an address already parsed (a logical name is looked up first); see
    /// <see cref="CreateChannel(string)"/>.</summary>
    public GrpcChannel CreateChannel(PeerAddress address)
    {
        var peer = ResolvePeer(address);

        // An IP literal has nothing to resolve: grpc-dotnet's own static channel to it (same handler, retries and
        // back-off, its pick_first) saves the resolver path's per-call cost, ~4 µs (bench/shim "plain + resolver").
        // Names go through the shim's resolver and balancer.
        var literal = peer.Kind == PeerAddressKind.HostPort && peer.IsIpLiteral;
        var policy = literal ? LoadBalancingConfig.PickFirstPolicyName
            : peer.Kind is PeerAddressKind.Dns or PeerAddressKind.Srv ? DiscoveryLoadBalancerFactory.RoundRobin
            : DiscoveryLoadBalancerFactory.PickFirst;

        var sockets = new SocketsHttpHandler
        {
            ConnectTimeout = _options.ConnectTimeout,
            KeepAlivePingDelay = _options.KeepAlivePingDelay,
            KeepAlivePingTimeout = _options.KeepAlivePingTimeout,

            // Also on idle connections: a black-holed peer is then found before the next call hangs on it.
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
        };

        var serviceConfig = new ServiceConfig { LoadBalancingConfigs = { new LoadBalancingConfig(policy) } };
        if (_options.EnableRetries)
        {
            serviceConfig.MethodConfigs.Add(EngulaCallClassification.CreateRetryMethodConfig(_options));
        }

        var target = literal
            ? new UriBuilder(Uri.UriSchemeHttp, peer.Host, peer.Port).Uri
            : new Uri(DiscoveryResolverFactory.Scheme + ":///" + Uri.EscapeDataString(peer.Original));
        var channel = GrpcChannel.ForAddress(target, new GrpcChannelOptions
        {
            // A non-http scheme routes the channel through the resolver below; the peers speak h2c either way.
            Credentials = ChannelCredentials.Insecure,
            HttpHandler = new AttemptObserverHandler(
                _options.EnableRetries ? new RetriedRequestBufferingHandler(sockets) : sockets, peer.Original, _metrics, _logger),
            DisposeHttpClient = true,
            ServiceProvider = literal ? null : new ChannelServiceProvider(
                new DiscoveryResolverFactory(peer, _lookup, _options, _metrics, _loggerFactory),
                new DiscoveryLoadBalancerFactory(policy, peer.Original, _options)),
            ServiceConfig = serviceConfig,
            MaxRetryAttempts = _options.MaxRetryAttempts,
            MaxReceiveMessageSize = _options.MaxReceiveMessageSize,
            MaxSendMessageSize = _options.MaxSendMessageSize,
            LoggerFactory = _loggerFactory,
            InitialReconnectBackoff = _options.InitialReconnectBackoff,
            MaxReconnectBackoff = _options.MaxReconnectBackoff,
        });

        DiscoveryLog.ChannelCreated(_logger, peer.Original, peer.Kind, policy);
        return channel;
    }
}
