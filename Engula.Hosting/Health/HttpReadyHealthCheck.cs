namespace Engula.Hosting.Health;

/// <summary>
/// GET <c>/health</c> on the engine's own port; 200 means recovered and connected. The engine opens its port
/// only after recovery, so "connection refused" or a held connection just means "not yet".
/// </summary>
internal sealed class HttpReadyHealthCheck(Func<Uri> address, TimeSpan window, TimeSpan step, TimeSpan probeTimeout)
    : PollingHealthCheck(window, step, probeTimeout)
{
    public const string Path = "/health";

    public HttpReadyHealthCheck(Func<Uri> address)
        : this(address, DefaultWindow, DefaultStep, DefaultProbeTimeout)
    {
    }

    protected override async Task<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var uri = new Uri(address(), Path);
        using var handler = new SocketsHttpHandler { ConnectTimeout = ProbeTimeout };
        using var client = new HttpClient(handler) { Timeout = ProbeTimeout };
        try
        {
            using var response = await client.GetAsync(uri, cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode
                ? new ProbeResult(true, $"{uri} {(int)response.StatusCode}")
                : new ProbeResult(false, $"{uri} {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new ProbeResult(false, $"{uri} {e.Message}", e);
        }
    }
}
