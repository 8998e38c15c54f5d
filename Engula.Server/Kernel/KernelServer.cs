using Engula.Server.Hosting;

namespace Engula.Server.Kernel;

public static class KernelServer
{
    public static WebApplication Build(ServerOptions server, KernelOptions options)
    {
        throw new NotImplementedException();
    }
}
