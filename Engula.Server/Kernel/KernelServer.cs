using Engula.DiscoveryShim;
using Engula.Server.Hosting;

namespace Engula.Server.Kernel;

/// <summary>Builds the kernel process: <c>engula.kernel.v1.Kernel</c> over h2c, with the manifest in memory or a file.</summary>
public static class KernelServer
{
    public static WebApplication Build(ServerOptions server, KernelOptions options)
    {
        var readiness = new ComponentReadiness(initiallyReady: false);
        var builder = EngulaWebHost.CreateBuilder("kernel", server, Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2, readiness);

        var journal = StartupSettings.RequirePeer("kernel", "journal", options.JournalFlag, builder.Configuration);
        var storage = StartupSettings.RequirePeer("kernel", "storage", options.StorageFlag, builder.Configuration);
        var channelOptions = StartupSettings.ChannelOptions(builder.Configuration);

        IManifestStore store = options.ManifestFile is null ? new MemManifestStore() : new FileManifestStore(options.ManifestFile);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(sp => new VersionLog(sp.GetRequiredService<IManifestStore>()));
        builder.Services.AddSingleton(sp => new KernelPeers(journal, storage, new EngulaChannelFactory(channelOptions, builder.Configuration, loggerFactory: sp.GetRequiredService<ILoggerFactory>())));
        builder.Services.AddSingleton<KernelMetrics>();
        builder.Services.AddHostedService<KernelBootstrapper>();

        var app = builder.Build();
        // Load the manifest before listening: a corrupt manifest stops the process with DATA_LOSS in the log
        // rather than serving an empty version.
        _ = app.Services.GetRequiredService<VersionLog>();
        EngulaWebHost.MapCommonEndpoints(app);
        app.MapGrpcService<KernelGrpcService>();
        return app;
    }
}
