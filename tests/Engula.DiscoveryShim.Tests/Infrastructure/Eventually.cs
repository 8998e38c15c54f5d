using System.Diagnostics;

namespace Engula.DiscoveryShim.Tests.Infrastructure;

/// <summary>Waits for a condition with a timeout (never a bare sleep as synchronisation).</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > timeout)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds:0.#} s waiting until {what}");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    public static Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        TrueAsync(() => Task.FromResult(condition()), timeout, what);
}
