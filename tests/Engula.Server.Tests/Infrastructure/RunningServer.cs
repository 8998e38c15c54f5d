using Engula.DiscoveryShim;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Engula.Server.Tests.Infrastructure;

/// <summary>
/// A component server started in-process on a free loopback port, exactly as <c>engula … run</c> builds it,
/// reached over real h2c gRPC.
/// </summary>
public sealed class RunningServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private GrpcChannel? _channel;

    private RunningServer(WebApplication app, string address, string? adminAddress)
    {
        _app = app;
        Address = address;
        AdminAddress = adminAddress;
    }

    /// <summary>The gRPC (or engine HTTP) address as <c>127.0.0.1:port</c>.</summary>
    public string Address { get; }

    /// <summary>The admin listener as <c>127.0.0.1:port</c>, when one was configured.</summary>
    public string? AdminAddress { get; }

    public IServiceProvider Services => _app.Services;

    public GrpcChannel Channel => _channel ??= new EngulaChannelFactory().CreateChannel(Address);

    /// <summary>Starts <paramref name="app"/> (built with listen address <c>127.0.0.1:0</c>) and reads back its ports.</summary>
    public static async Task<RunningServer> StartAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        await app.StartAsync(cancellationToken);
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses
            .Select(a => new Uri(a))
            .Select(u => $"{u.Host}:{u.Port}")
            .ToList();
        return new RunningServer(app, addresses[0], addresses.Count > 1 ? addresses[1] : null);
    }

    public async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
