namespace Engula.Operator.Tests;

/// <summary>
/// Bounded waits on a condition read from the API server. The condition is re-read every 100 ms until it holds or
/// the timeout passes; the timeout error says what was awaited and what was last seen.
/// </summary>
internal static class Wait
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);

    public static async Task ForAsync(string what, Func<CancellationToken, Task<bool>> condition, TimeSpan timeout, CancellationToken ct)
    {
        await ForAsync(what, async token => (await condition(token), ""), timeout, ct);
    }

    /// <summary>As above; the condition also returns a description of what it saw (for the timeout message).</summary>
    public static async Task ForAsync(string what, Func<CancellationToken, Task<(bool Done, string Seen)>> condition, TimeSpan timeout, CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(timeout);
        string seen = "nothing";
        while (true)
        {
            try
            {
                var (done, description) = await condition(bounded.Token);
                seen = description;
                if (done)
                {
                    return;
                }
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response?.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                seen = "404 Not Found";
            }
            catch (OperationCanceledException) when (bounded.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                throw new TimeoutException($"not within {timeout.TotalSeconds} s: {what}; last seen: {seen}");
            }

            try
            {
                // The poll interval of a bounded wait (the condition is server state; there is no local signal).
                await Task.Delay(TimeSpan.FromMilliseconds(100), bounded.Token);
            }
            catch (OperationCanceledException) when (bounded.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                throw new TimeoutException($"not within {timeout.TotalSeconds} s: {what}; last seen: {seen}");
            }
        }
    }
}
