namespace Engula.Server.Tests.Crash;

/// <summary>Concurrent clients putting through the engine's <c>GET /put</c>, each on its own keys, until stopped.
/// Failed puts (the engine or a peer is down) are retried by the client loop, as a real client would.</summary>
internal sealed class WriteLoad : IDisposable
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http;
    private readonly Task[] _clients;

    public WriteLoad(string engineAddress, AcknowledgedWrites writes, int clients, int keysPerClient, int round)
    {
        _http = new HttpClient { BaseAddress = new Uri($"http://{engineAddress}"), Timeout = TimeSpan.FromSeconds(15) };
        _clients = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            for (var i = 0; !_stop.IsCancellationRequested; i++)
            {
                var key = $"c{c}-k{i % keysPerClient}";
                var value = $"r{round}-c{c}-v{i}";
                writes.Begin(key, value);
                try
                {
                    var response = await _http.GetAsync($"/put?key={key}&value={value}", _stop.Token);
                    var body = await response.Content.ReadAsStringAsync(_stop.Token);
                    if (response.IsSuccessStatusCode && body == "put success")
                    {
                        writes.Acknowledge(key, value);
                    }
                    else
                    {
                        // "503 outcome unknown", "503 not applied", … — the status and the outcome the body names.
                        var outcome = body.Split(':', 2)[0];
                        _failures.AddOrUpdate($"{(int)response.StatusCode} {outcome}", 1, (_, n) => n + 1);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    if (_stop.IsCancellationRequested)
                    {
                        return;
                    }

                    _failures.AddOrUpdate("connection error", 1, (_, n) => n + 1);

                    // Engine down (connection refused): back off briefly instead of spinning; this paces the load.
                    await Task.Delay(20, CancellationToken.None);
                }
            }
        })).ToArray();
    }

    /// <summary>Puts that were answered with anything but success, by status and outcome, plus connection errors.</summary>
    public IReadOnlyDictionary<string, int> Failures => _failures;

    /// <summary>One line for assertion messages: every kind of failure and its count.</summary>
    public string DescribeFailures() => _failures.IsEmpty ? "none" : string.Join(", ", _failures.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}: {f.Value}"));

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_clients);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _http.Dispose();
        _stop.Dispose();
    }
}
