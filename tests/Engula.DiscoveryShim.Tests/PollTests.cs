using Engula.Tests.Shared.Polling;

namespace Engula.DiscoveryShim.Tests;

/// <summary>The bounded poll every test project shares (tests/Shared/Polling).</summary>
public sealed class PollTests
{
    [Fact]
    public async Task A_condition_that_never_holds_times_out_naming_what_was_awaited_and_what_was_last_seen()
    {
        var reads = 0;
        var error = await Assert.ThrowsAsync<TimeoutException>(() => Poll.UntilAsync(
            "the answer", _ => Task.FromResult((false, $"read {++reads}")), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(20), TestContext.Current.CancellationToken));

        Assert.Contains("the answer", error.Message, StringComparison.Ordinal);
        Assert.Contains($"last seen: read {reads}", error.Message, StringComparison.Ordinal);
        Assert.True(reads >= 2, $"{reads} reads");
    }

    [Fact]
    public async Task A_condition_that_holds_on_its_third_read_ends_the_wait_there()
    {
        var reads = 0;
        await Poll.UntilAsync("three reads", () => Task.FromResult(++reads == 3), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(1), TestContext.Current.CancellationToken);
        Assert.Equal(3, reads);
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_reported_as_a_timeout()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Poll.UntilAsync(
            "never", () => Task.FromResult(false), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(10), cancelled.Token));
        Assert.True(cancelled.Token == error.CancellationToken || error.CancellationToken.IsCancellationRequested);
    }
}
