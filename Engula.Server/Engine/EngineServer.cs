using Engula.Server.Hosting;

namespace Engula.Server.Engine;

public static class EngineServer
{
    public static WebApplication Build(ServerOptions server, EngineOptions options)
    {
        throw new NotImplementedException();
    }
}
