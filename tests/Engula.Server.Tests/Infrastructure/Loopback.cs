using Engula.Server.Runtime;

namespace Engula.Server.Tests.Infrastructure;

public static class Loopback
{
    /// <summary>Server options for an in-process server on a free loopback port.</summary>
    public static ServerOptions AnyPort(bool withAdmin = false, IReadOnlyDictionary<string, string?>? configuration = null) => new()
    {
        Listen = new ListenAddress("127.0.0.1", 0),
        Admin = withAdmin ? new ListenAddress("127.0.0.1", 0) : null,
        Configuration = configuration,
    };
}
