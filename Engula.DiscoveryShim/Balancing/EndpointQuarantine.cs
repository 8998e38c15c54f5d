using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Net.Client.Balancer;

namespace Engula.DiscoveryShim.Balancing;

/// <summary>
/// Subchannels that grpc-dotnet reports Ready but that just failed a call below HTTP (connection refused or
/// reset, connection closed before a response). grpc-dotnet keeps such a subchannel Ready until it notices its
/// old connection is gone — and when the connection it had was accepted by a dying server it may never notice —
/// so every pick lands on it and fails at once: WaitForReady cannot help (the pick succeeds) and retries burn
/// their budget in milliseconds. A quarantined subchannel is skipped for a back-off (initial reconnect back-off ×2ⁿ,
/// capped by the maximum) and tried again afterwards; one successful call clears it.
/// </summary>
internal sealed class EndpointQuarantine(TimeSpan initial, TimeSpan max)
{
    private readonly ConcurrentDictionary<Subchannel, Entry> _entries = new();

    public bool IsEmpty => _entries.IsEmpty;

    public bool IsQuarantined(Subchannel subchannel)
    {
        if (_entries.IsEmpty || !_entries.TryGetValue(subchannel, out var entry))
        {
            return false;
        }

        return Stopwatch.GetTimestamp() < entry.Until;
    }

    /// <summary>Quarantines <paramref name="subchannel"/> and returns for how long.</summary>
    public TimeSpan Add(Subchannel subchannel)
    {
        // Entries of subchannels the balancer has dropped are never cleared by a success; keep the map small.
        if (_entries.Count > 64)
        {
            _entries.Clear();
        }

        var entry = _entries.AddOrUpdate(
            subchannel,
            _ => new Entry(1, Stopwatch.GetTimestamp() + Ticks(Duration(1))),
            (_, e) => new Entry(e.Strikes + 1, Stopwatch.GetTimestamp() + Ticks(Duration(e.Strikes + 1))));
        return Duration(entry.Strikes);
    }

    public void Clear(Subchannel subchannel)
    {
        if (!_entries.IsEmpty)
        {
            _entries.TryRemove(subchannel, out _);
        }
    }

    public void Forget(IEnumerable<Subchannel> keep)
    {
        var live = keep.ToHashSet();
        foreach (var subchannel in _entries.Keys.Where(s => !live.Contains(s)))
        {
            _entries.TryRemove(subchannel, out _);
        }
    }

    private TimeSpan Duration(int strikes)
    {
        var d = initial * Math.Pow(2, Math.Min(strikes - 1, 16));
        return d < max ? d : max;
    }

    private static long Ticks(TimeSpan d) => (long)(d.TotalSeconds * Stopwatch.Frequency);

    private sealed record Entry(int Strikes, long Until);
}
