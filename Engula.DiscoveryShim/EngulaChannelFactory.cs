using System.Net;
using Grpc.Net.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engula.DiscoveryShim;

/// <summary>Creates gRPC channels for Engula peers from any address form of CONTRACTS §3.</summary>
public sealed class EngulaChannelFactory
{
    private readonly EngulaChannelOptions _options;
    private readonly IConfiguration _configuration;
    private readonly ILoggerFactory _loggerFactory;

    public EngulaChannelFactory(EngulaChannelOptions? options = null, IConfiguration? configuration = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options ?? new EngulaChannelOptions();
        _configuration = configuration ?? new ConfigurationBuilder().Build();
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
    }

    /// <summary>Creates a channel for <paramref name="address"/>. The channel connects lazily, so a peer that is
    /// not up yet is not an error here.</summary>
    public GrpcChannel CreateChannel(string address)
    {
        var peer = PeerAddress.Parse(address);
        if (peer.Kind == PeerAddressKind.Logical)
        {
            var located = PeerLocator.LocateFromConfiguration(peer.Host, _configuration)
                ?? throw new InvalidOperationException($"no address configured for peer '{peer.Host}'");
            peer = PeerAddress.Parse(located);
        }

        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = _options.ConnectTimeout,
            KeepAlivePingDelay = _options.KeepAlivePingDelay,
            KeepAlivePingTimeout = _options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
        };

        var target = peer.Kind switch
        {
            PeerAddressKind.HostPort or PeerAddressKind.Dns => peer.ToHttpUri(),
            _ => throw new NotSupportedException($"address form {peer.Kind} is not supported yet: {address}"),
        };

        return GrpcChannel.ForAddress(target, new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = null,
            MaxSendMessageSize = null,
            LoggerFactory = _loggerFactory,
            InitialReconnectBackoff = _options.InitialReconnectBackoff,
            MaxReconnectBackoff = _options.MaxReconnectBackoff,
        });
    }
}
