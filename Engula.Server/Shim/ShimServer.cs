using Engula.DiscoveryShim.DependencyInjection;
using Engula.DiscoveryShim.Forwarding;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Engula.Server.Shim;

/// <summary>
/// Builds the DiscoveryShim sidecar process (<c>engula shim run --listen ADDR --target PEER [--admin ADDR]</c>):
/// an h2c listener on ADDR whose every gRPC call is forwarded by
/// <see cref="GrpcForwarder"/> to the backends of PEER, found and followed like any shim channel (discovery
/// settings from configuration section <c>Engula:Discovery</c>). <c>/health</c> reports whether a backend is
/// ready, <c>/alive</c> that the process runs, <c>/metrics</c> the <c>Engula.DiscoveryShim</c> meter among others.
/// gRPC health checks are forwarded too, so <c>engula health ADDR</c> asks the backend through the sidecar.
/// </summary>
public static class ShimServer
{
    public static WebApplication Build(ServerOptions server, string target)
    {
        ArgumentNullException.ThrowIfNull(server);
        var builder = EngulaWebHost.CreateBuilder("shim", server, HttpProtocols.Http2, new ComponentReadiness(initiallyReady: true));
        // The options checked here, so that a bad value ends the command with exit 2; the forwarder's channel uses them.
        builder.Services.AddEngulaDiscovery(StartupSettings.ChannelOptions(builder.Configuration));
        builder.Services.AddGrpcForwarder(StartupSettings.RequireTarget(target, builder.Configuration));
        var app = builder.Build();

        // Not EngulaWebHost.MapCommonEndpoints: its local grpc.health.v1 service would answer for the sidecar
        // instead of forwarding the question to the backend.
        app.MapDefaultEndpoints();
        app.MapGrpcForwarder();
        return app;
    }
}
