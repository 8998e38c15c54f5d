namespace Engula.Server.Runtime;

/// <summary>What every <c>engula … run</c> process shares: where it listens and its optional admin listener.</summary>
public sealed class ServerOptions
{
    public required ListenAddress Listen { get; init; }

    /// <summary><c>--admin</c>: an HTTP/1.1 listener with <c>/health</c>, <c>/alive</c> and <c>/metrics</c>.</summary>
    public ListenAddress? Admin { get; init; }

    /// <summary>Extra configuration (tests use it instead of process environment variables).</summary>
    public IReadOnlyDictionary<string, string?>? Configuration { get; init; }
}
