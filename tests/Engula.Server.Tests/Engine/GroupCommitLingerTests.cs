using Engula.Server.Engine;
using Microsoft.Extensions.Time.Testing;

namespace Engula.Server.Tests.Engine;

/// <summary>The writer's wait for returning writers: woken by the producers, bounded by the clock (a fake one here).</summary>
public sealed class GroupCommitLingerTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMilliseconds(1);

    [Fact]
    public async Task Wakes_as_soon_as_the_target_is_queued_without_waiting_for_the_limit()
    {
        var time = new FakeTimeProvider();
        var linger = new GroupCommitLinger(time);
        linger.Queued();

        var wait = linger.WaitAsync(target: 3, Limit).AsTask();
        linger.Queued();
        Assert.False(wait.IsCompleted, "woke before the target was reached");
        linger.Queued();

        // The fake clock never moves: only the third write can have ended the wait.
        await wait.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(3, linger.Count);
    }

    [Fact]
    public async Task Gives_up_at_the_limit_when_the_writers_do_not_return()
    {
        var time = new FakeTimeProvider();
        var linger = new GroupCommitLinger(time);
        linger.Queued();

        var wait = linger.WaitAsync(target: 8, Limit).AsTask();
        time.Advance(Limit / 2);
        Assert.False(wait.IsCompleted, "gave up before the limit");
        time.Advance(Limit);

        await wait.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(1, linger.Count);
    }

    [Fact]
    public void Does_not_wait_when_the_target_is_already_queued_or_turned_off()
    {
        var linger = new GroupCommitLinger(new FakeTimeProvider());
        linger.Queued();
        linger.Queued();

        Assert.True(linger.WaitAsync(target: 2, Limit).IsCompleted);
        Assert.True(linger.WaitAsync(target: 0, Limit).IsCompleted);
        Assert.True(linger.WaitAsync(target: 5, TimeSpan.Zero).IsCompleted);

        linger.Taken(2);
        Assert.Equal(0, linger.Count);
    }

    [Theory]
    [InlineData(0, 1, 0)] // a writer alone: never wait, a single client's latency stays one append
    [InlineData(5, 1, 0)]
    [InlineData(0, 32, 28)] // most of the 32 just acknowledged
    [InlineData(10, 16, 24)] // plus those that queued during the append
    public void Next_target_is_the_queue_plus_most_of_the_acknowledged_batch(int queued, int acknowledged, int expected) =>
        Assert.Equal(expected, GroupCommitLinger.NextTarget(queued, acknowledged));
}
