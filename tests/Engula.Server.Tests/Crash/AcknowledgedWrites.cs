using System.Collections.Concurrent;

namespace Engula.Server.Tests.Crash;

/// <summary>
/// What a crash test may expect per key: the last acknowledged value, or — when puts failed or were in flight since —
/// one of those values (a failed put's outcome is unknown: it may have committed). Each key is written by one client at a time.
/// </summary>
internal sealed class AcknowledgedWrites
{
    private readonly ConcurrentDictionary<string, string> _acknowledged = new();
    private readonly ConcurrentDictionary<string, List<string>> _unconfirmed = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource> _waiters = new();
    private long _acknowledgedCount;

    public long AcknowledgedCount => Interlocked.Read(ref _acknowledgedCount);

    public int Keys => _acknowledged.Count;

    /// <summary>A put is about to be sent: until it is acknowledged its value is an acceptable outcome.</summary>
    public void Begin(string key, string value)
    {
        var list = _unconfirmed.GetOrAdd(key, _ => []);
        lock (list)
        {
            list.Add(value);
        }
    }

    public void Acknowledge(string key, string value)
    {
        _acknowledged[key] = value;
        if (_unconfirmed.TryGetValue(key, out var list))
        {
            lock (list)
            {
                list.Clear();
            }
        }
        var total = Interlocked.Increment(ref _acknowledgedCount);
        foreach (var (target, waiter) in _waiters)
        {
            if (total >= target)
            {
                waiter.TrySetResult();
            }
        }
    }

    /// <summary>Keys whose read value is neither the last acknowledged value nor an in-flight one.</summary>
    public List<string> Lost(IReadOnlyDictionary<string, string?> read)
    {
        var lost = new List<string>();
        foreach (var (key, value) in _acknowledged)
        {
            var actual = read.GetValueOrDefault(key);
            if (actual != value && !IsUnconfirmed(key, actual))
            {
                lost.Add($"{key}: expected '{value}', read '{actual ?? "<missing>"}'");
            }
        }

        return lost;
    }

    private bool IsUnconfirmed(string key, string? value)
    {
        if (value is null || !_unconfirmed.TryGetValue(key, out var list))
        {
            return false;
        }

        lock (list)
        {
            return list.Contains(value);
        }
    }

    public IEnumerable<string> AllKeys => _acknowledged.Keys;

    /// <summary>Waits (on acknowledgements, not on time) until at least <paramref name="count"/> puts were acknowledged.</summary>
    public async Task WaitForAcknowledgedAsync(long count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var reached = _waiters.GetOrAdd(count, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (AcknowledgedCount >= count)
        {
            reached.TrySetResult();
        }

        try
        {
            await reached.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"only {AcknowledgedCount} of {count} puts acknowledged within {timeout}");
        }
    }
}
