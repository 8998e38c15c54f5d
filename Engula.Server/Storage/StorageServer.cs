using Engula.Server.Hosting;

namespace Engula.Server.Storage;

/// <summary>Builds the storage process: <c>engula.storage.v1.Storage</c> over h2c.</summary>
public static class StorageServer
{
    public static WebApplication Build(ServerOptions server, StorageOptions options)
    {
        throw new NotImplementedException("storage server: in progress");
    }
}
