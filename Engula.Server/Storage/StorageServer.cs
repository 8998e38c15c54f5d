using Engula.Server.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Engula.Server.Storage;

/// <summary>Builds the storage process: <c>engula.storage.v1.Storage</c> over h2c.</summary>
public static class StorageServer
{
    /// <summary>Builds the storage server; in file mode the root is created and leftover partial uploads removed
    /// here, before the returned application listens.</summary>
    public static WebApplication Build(ServerOptions server, StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(options);

        // Storage has no dependencies: ready as soon as it listens.
        var readiness = new ComponentReadiness(initiallyReady: true);
        var builder = EngulaWebHost.CreateBuilder("storage", server, HttpProtocols.Http2, readiness);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<StorageMetrics>();
        if (options.Directory is null)
        {
            builder.Services.AddSingleton<IStorageStore, MemStorageStore>();
        }
        else
        {
            builder.Services.AddSingleton<FileStorageStore>();
            builder.Services.AddSingleton<IStorageStore>(sp => sp.GetRequiredService<FileStorageStore>());
        }

        builder.Services.AddGrpc().AddServiceOptions<StorageService>(o => o.Interceptors.Add<StorageStatusInterceptor>());

        var app = builder.Build();
        _ = app.Services.GetRequiredService<IStorageStore>();
        EngulaWebHost.MapCommonEndpoints(app);
        app.MapGrpcService<StorageService>();
        return app;
    }
}
