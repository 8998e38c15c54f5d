namespace Engula.Tests.Shared.Polling;

/// <summary>
/// The one bounded poll the test projects share, for state that offers no signal to wait on (a remote server's state,
/// another process): the condition is re-read every <c>interval</c> until it holds or <c>timeout</c> passes, and the
/// timeout error says what was awaited and what was last seen. Never a bare sleep as synchronisation.
/// </summary>
internal static class Poll
{
    /// <summary>Polls <paramref name="condition"/>, which also describes what it saw, until it holds.</summary>
    /// <exception cref="TimeoutException">The condition did not hold within <paramref name="timeout"/>.</exception>
    public static async Task UntilAsync(
        string what,
        Func<CancellationToken, Task<(bool Done, string Seen)>> condition,
        TimeSpan timeout,
        TimeSpan interval,
        CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        var seen = "nothing";
        try
        {
            while (true)
            {
                var (done, description) = await condition(bounded.Token);
                seen = description;
                if (done)
                {
                    return;
                }

                // The poll's pace between two reads of a state that offers no signal; bounded by the timeout above.
                await Task.Delay(interval, bounded.Token);
            }
        }
        catch (OperationCanceledException) when (bounded.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"not within {timeout.TotalSeconds:0.#} s: {what}" + (seen.Length > 0 ? $"; last seen: {seen}" : ""));
        }
    }

    /// <summary>Polls a condition that needs no description of what it saw.</summary>
    public static Task UntilAsync(string what, Func<Task<bool>> condition, TimeSpan timeout, TimeSpan interval, CancellationToken cancellationToken) =>
        UntilAsync(what, async _ => (await condition(), ""), timeout, interval, cancellationToken);
}
