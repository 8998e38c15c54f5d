namespace Engula.Server.Storage;

/// <summary>Builds the storage process: <c>engula.storage.v1.Storage</c> over h2c.</summary>
public static class StorageServer
{
    /// <summary>Builds the storage server; in file mode the root is created and leftover partial uploads removed
    /// here, before the returned application listens.</summary>
    public static WebApplication Build(ServerOptions server, StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return EngulaWebHost.BuildStoreComponent<StorageOptions, IStorageStore, MemStorageStore, FileStorageStore, StorageService, StorageMetrics>(
            EngulaComponentKind.Storage, server, options, inFiles: options.Directory is not null);
    }
}
