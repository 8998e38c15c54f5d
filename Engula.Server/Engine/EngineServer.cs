using Engula.DiscoveryShim;
using Engula.DiscoveryShim.DependencyInjection;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Engula.Server.Engine;

/// <summary>Builds the engine process: the hash engine behind its HTTP/1.1 API.</summary>
public static class EngineServer
{
    public static WebApplication Build(ServerOptions server, EngineOptions options)
    {
        var readiness = new ComponentReadiness(initiallyReady: true);
        var builder = EngulaWebHost.CreateBuilder("engine", server, HttpProtocols.Http1, readiness);
        var kernel = StartupSettings.RequirePeer(EngulaComponentKind.Engine, EngulaComponentKind.Kernel, options.KernelFlag, builder.Configuration);
        var channelOptions = StartupSettings.ChannelOptions(builder.Configuration);

        builder.Services.AddSingleton(options);
        // The options checked above, so that a bad value ends the command with exit 2 rather than failing when the
        // first channel is built.
        builder.Services.AddEngulaDiscovery(channelOptions);
        builder.Services.AddSingleton(sp => new EngineConnections(kernel, sp.GetRequiredService<EngulaChannelFactory>()));
        builder.Services.AddSingleton<EngineMetrics>();
        builder.Services.AddSingleton<HashEngine>();
        builder.Services.AddHostedService<EngineRecoveryService>();

        var app = builder.Build();
        EngulaWebHost.MapCommonEndpoints(app);
        EngineHttpApi.Map(app);
        return app;
    }
}
