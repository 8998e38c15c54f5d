using Engula.Server.Hosting;

namespace Engula.Server.Cli;

/// <summary>Builds the DiscoveryShim sidecar process (<c>engula shim run</c>).</summary>
public static class ShimServer
{
    public static WebApplication Build(ServerOptions server, string target)
    {
        throw new NotImplementedException("shim sidecar: in progress");
    }
}
