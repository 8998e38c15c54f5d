using Engula.Server.Runtime;
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
        var builder = EngulaWebHost.CreateBuilder(EngulaComponentKind.Storage.Name(), server, HttpProtocols.Http2, readiness);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<StorageMetrics>();
        EngulaWebHost.AddStore<IStorageStore, MemStorageStore, FileStorageStore>(builder.Services, inFiles: options.Directory is not null);
        EngulaWebHost.AddComponentService<StorageService>(builder.Services, EngulaComponentKind.Storage);

        var app = builder.Build();
        _ = app.Services.GetRequiredService<IStorageStore>();
        EngulaWebHost.MapCommonEndpoints(app);
        app.MapGrpcService<StorageService>();
        return app;
    }
}
