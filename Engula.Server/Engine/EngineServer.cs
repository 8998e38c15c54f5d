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
        var kernel = PeerLocator.Locate("kernel", options.KernelFlag, builder.Configuration)
            ?? throw new UsageException("engine: no kernel address (--kernel, ENGULA_KERNEL, services__kernel__grpc__0 or kubecluster + kernelport)");

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(sp => new EngineConnections(kernel, new EngulaChannelFactory(configuration: builder.Configuration, loggerFactory: sp.GetRequiredService<ILoggerFactory>())));
        builder.Services.AddSingleton<EngineMetrics>();
        builder.Services.AddSingleton<HashEngine>();
        builder.Services.AddHostedService<EngineRecoveryService>();

        var app = builder.Build();
        EngulaWebHost.MapCommonEndpoints(app);
        EngineHttpApi.Map(app);
        return app;
    }
}
