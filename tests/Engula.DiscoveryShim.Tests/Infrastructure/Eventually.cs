using Engula.Tests.Shared.Polling;

namespace Engula.DiscoveryShim.Tests.Infrastructure;

/// <summary>Waits for a condition with a timeout (never a bare sleep as synchronisation), polled every 20 ms.</summary>
public static class Eventually
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    public static Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what) =>
        Poll.UntilAsync(what, condition, timeout, Interval, TestContext.Current.CancellationToken);

    public static Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        TrueAsync(() => Task.FromResult(condition()), timeout, what);
}
