using Engula.DiscoveryShim;
using Engula.Server.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Engula.Server.Engine;

/// <summary>Builds the engine process: the hash engine behind its HTTP/1.1 API.</summary>
public static class EngineServer
{
    public static WebApplication Build(ServerOptions server, EngineOptions options)
    {
        var readiness = new ComponentReadiness(initiallyReady: true);
        var builder = EngulaWebHost.CreateBuilder("engine", server, HttpProtocols.Http1, readiness);
        var kernel = StartupSettings.RequirePeer("engine", "kernel", options.KernelFlag, builder.Configuration);
        var channelOptions = StartupSettings.ChannelOptions(builder.Configuration);

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(sp => new EngineConnections(kernel, new EngulaChannelFactory(channelOptions, builder.Configuration, loggerFactory: sp.GetRequiredService<ILoggerFactory>())));
        builder.Services.AddSingleton<EngineMetrics>();
        builder.Services.AddSingleton<HashEngine>();
        builder.Services.AddHostedService<EngineRecoveryService>();

        var app = builder.Build();
        EngulaWebHost.MapCommonEndpoints(app);
        EngineHttpApi.Map(app);
        return app;
    }
}
