namespace Engula.DiscoveryShim;

/// <summary>Settings for channels built by <see cref="EngulaChannelFactory"/>.</summary>
public sealed class EngulaChannelOptions
{
    /// <summary>TCP connect timeout for one attempt.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>HTTP/2 keep-alive ping interval, so a dead peer is noticed on an idle connection.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long a keep-alive ping may go unanswered before the connection is dropped.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>gRPC connection back-off: first delay after a failed connect (gRPC spec default 1 s).</summary>
    public TimeSpan InitialReconnectBackoff { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>gRPC connection back-off cap (gRPC spec default 120 s).</summary>
    public TimeSpan MaxReconnectBackoff { get; set; } = TimeSpan.FromSeconds(5);
}
