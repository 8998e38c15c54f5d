using Engula.Tests.Shared.Polling;

namespace Engula.Operator.Tests;

/// <summary>
/// Bounded waits on a condition read from the API server, re-read every 100 ms (the shared <see cref="Poll"/>); a 404
/// while the object does not exist yet counts as "not yet".
/// </summary>
internal static class Wait
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    public static async Task ForAsync(string what, Func<CancellationToken, Task<bool>> condition, TimeSpan timeout, CancellationToken ct)
    {
        await ForAsync(what, async token => (await condition(token), ""), timeout, ct);
    }

    /// <summary>As above; the condition also returns a description of what it saw (for the timeout message).</summary>
    public static Task ForAsync(string what, Func<CancellationToken, Task<(bool Done, string Seen)>> condition, TimeSpan timeout, CancellationToken ct) =>
        Poll.UntilAsync(what, async token =>
        {
            try
            {
                return await condition(token);
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response?.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return (false, "404 Not Found");
            }
        }, timeout, Interval, ct);
}
