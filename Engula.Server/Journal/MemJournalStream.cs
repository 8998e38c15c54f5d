using Google.Protobuf;

namespace Engula.Server.Journal;

/// <summary>
/// One stream of the mem journal: events in timestamp order behind a lock. The last timestamp is remembered apart from
/// the events, so it stays increasing after everything was released (the
/// original's did not; see README.md, "What is fixed relative to the original").
/// </summary>
internal sealed class MemJournalStream(string name)
{
    private readonly Lock _gate = new();
    private readonly List<JournalEvent> _events = [];
    private ulong? _lastTs;
    private bool _deleted;

    public void Append(ulong ts, ByteString data)
    {
        lock (_gate)
        {
            ThrowIfDeleted();
            if (_lastTs is { } last && ts <= last)
            {
                throw JournalException.NotIncreasing(name, ts, last);
            }

            _events.Add(new JournalEvent(ts, data));
            _lastTs = ts;
        }
    }

    public void Release(ulong ts)
    {
        lock (_gate)
        {
            ThrowIfDeleted();
            _events.RemoveRange(0, FirstAtOrAbove(ts));
        }
    }

    /// <summary>Copies the events at or above <paramref name="ts"/>; payloads are immutable and shared, not copied.</summary>
    public JournalEvent[] Snapshot(ulong ts)
    {
        lock (_gate)
        {
            ThrowIfDeleted();
            var start = FirstAtOrAbove(ts);
            return _events.GetRange(start, _events.Count - start).ToArray();
        }
    }

    public void MarkDeleted()
    {
        lock (_gate)
        {
            _deleted = true;
            _events.Clear();
        }
    }

    private void ThrowIfDeleted()
    {
        if (_deleted)
        {
            throw JournalException.StreamNotFound(name);
        }
    }

    private int FirstAtOrAbove(ulong ts)
    {
        int lo = 0, hi = _events.Count;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (_events[mid].Ts < ts)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
