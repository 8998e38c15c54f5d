using Engula.Operator.Runtime;

namespace Engula.Operator.Tests;

/// <summary>The work queue's de-duplication, one-worker-per-key rule and back-off.</summary>
public sealed class WorkQueueTests
{
    [Fact]
    public async Task A_key_added_twice_is_taken_once()
    {
        var ct = TestContext.Current.CancellationToken;
        using var queue = new WorkQueue<string>(TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1));
        queue.Add("a");
        queue.Add("a");
        queue.Add("b");
        Assert.Equal(2, queue.Depth);
        Assert.Equal("a", await queue.TakeAsync(ct));
        Assert.Equal("b", await queue.TakeAsync(ct));
        Assert.Equal(0, queue.Depth);
    }

    [Fact]
    public async Task A_key_added_while_processing_comes_back_only_after_Done()
    {
        var ct = TestContext.Current.CancellationToken;
        using var queue = new WorkQueue<string>(TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1));
        queue.Add("a");
        string key = await queue.TakeAsync(ct);
        queue.Add("a");
        Assert.Equal(0, queue.Depth);
        queue.Done(key);
        Assert.Equal(1, queue.Depth);
        Assert.Equal("a", await queue.TakeAsync(ct));
    }

    [Fact]
    public void Back_off_doubles_per_failure_up_to_the_cap_and_Forget_resets_it()
    {
        using var queue = new WorkQueue<string>(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(700));
        Assert.Equal(
            [100, 200, 400, 700, 700],
            Enumerable.Range(0, 5).Select(_ => queue.AddRateLimited("a").TotalMilliseconds));
        queue.Forget("a");
        Assert.Equal(100, queue.AddRateLimited("a").TotalMilliseconds);
    }

    [Fact]
    public async Task A_rate_limited_key_arrives_after_its_delay()
    {
        var ct = TestContext.Current.CancellationToken;
        using var queue = new WorkQueue<string>(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1));
        var started = System.Diagnostics.Stopwatch.StartNew();
        queue.AddRateLimited("a");
        Assert.Equal("a", await queue.TakeAsync(ct).WaitAsync(TimeSpan.FromSeconds(10), ct));
        Assert.True(started.ElapsedMilliseconds >= 45, $"{started.ElapsedMilliseconds} ms");
    }
}
