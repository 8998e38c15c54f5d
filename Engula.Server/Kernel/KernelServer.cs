using Engula.DiscoveryShim;
using Engula.DiscoveryShim.DependencyInjection;

namespace Engula.Server.Kernel;

/// <summary>Builds the kernel process: <c>engula.kernel.v1.Kernel</c> over h2c, with the manifest in memory or a file.</summary>
public static class KernelServer
{
    public static WebApplication Build(ServerOptions server, KernelOptions options)
    {
        var readiness = new ComponentReadiness(initiallyReady: false);
        var builder = EngulaWebHost.CreateBuilder("kernel", server, Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2, readiness);

        var journal = StartupSettings.RequirePeer(EngulaComponentKind.Kernel, EngulaComponentKind.Journal, options.JournalFlag, builder.Configuration);
        var storage = StartupSettings.RequirePeer(EngulaComponentKind.Kernel, EngulaComponentKind.Storage, options.StorageFlag, builder.Configuration);
        var channelOptions = StartupSettings.ChannelOptions(builder.Configuration);

        IManifestStore store = options.ManifestFile is null ? new MemManifestStore() : new FileManifestStore(options.ManifestFile);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(sp => new VersionLog(sp.GetRequiredService<IManifestStore>()));
        // The options checked above, so that a bad value ends the command with exit 2 rather than failing when the
        // first channel is built.
        builder.Services.AddEngulaDiscovery(channelOptions);
        builder.Services.AddSingleton(sp => DataPeers.Connect(journal, storage, sp.GetRequiredService<EngulaChannelFactory>()));
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
