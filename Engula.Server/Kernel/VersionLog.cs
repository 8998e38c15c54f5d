using Engula.Protocol.Metadata;
using Version = Engula.Protocol.Metadata.Version;

namespace Engula.Server.Kernel;

/// <summary>
/// The kernel's state: the current <see cref="Version"/>, a window of recent updates for replay, and the live
/// subscribers. <see cref="Apply"/> and <see cref="Subscribe"/> share one lock, so a subscriber gets every update
/// after its sequence exactly once — replayed or live — with no gap or duplicate at the seam (the original lost
/// updates between CurrentVersion and subscribing).
/// </summary>
public sealed class VersionLog
{
    public const int DefaultHistory = 4096;
    public const int DefaultSubscriberBuffer = 1024;

    private readonly Lock _gate = new();
    private readonly IManifestStore _store;
    private readonly Queue<VersionUpdate> _history = new();
    private readonly List<VersionSubscription> _subscribers = [];
    private readonly int _historyCapacity;
    private readonly int _subscriberBuffer;
    private Version _current;

    public VersionLog(IManifestStore store, int historyCapacity = DefaultHistory, int subscriberBuffer = DefaultSubscriberBuffer)
    {
        _store = store;
        _historyCapacity = historyCapacity;
        _subscriberBuffer = subscriberBuffer;
        _current = store.Load();
    }

    public Version Current
    {
        get
        {
            lock (_gate)
            {
                return _current.Clone();
            }
        }
    }

    /// <summary>
    /// Applies <paramref name="update"/> as the next sequence (the client's sequence is ignored, as in the original),
    /// persists the new version, then publishes the update. Returns the update as published.
    /// </summary>
    public VersionUpdate Apply(VersionUpdate update)
    {
        lock (_gate)
        {
            var next = _current.Clone();
            var published = update.Clone();
            published.Sequence = _current.Sequence + 1;
            VersionMath.Apply(next, published);
            _store.Save(next); // throws on I/O failure: nothing changes, nobody is told
            _current = next;

            _history.Enqueue(published);
            while (_history.Count > _historyCapacity)
            {
                _history.Dequeue();
            }

            foreach (var subscriber in _subscribers)
            {
                subscriber.Publish(published);
            }

            return published;
        }
    }

    /// <summary>Subscribes to every update after <paramref name="afterSequence"/>.</summary>
    /// <exception cref="SequenceOutOfRangeException">when that would leave a gap or the sequence is ahead of the kernel.</exception>
    public VersionSubscription Subscribe(ulong afterSequence)
    {
        lock (_gate)
        {
            if (afterSequence > _current.Sequence)
            {
                throw new SequenceOutOfRangeException(
                    $"sequence {afterSequence} is ahead of the kernel's current sequence {_current.Sequence}");
            }

            var oldestHeld = _history.Count > 0 ? _history.Peek().Sequence : _current.Sequence + 1;
            if (afterSequence + 1 < oldestHeld)
            {
                throw new SequenceOutOfRangeException(
                    $"updates after sequence {afterSequence} are no longer held (oldest held: {oldestHeld}); read CurrentVersion and subscribe from its sequence");
            }

            var replay = _history.Where(u => u.Sequence > afterSequence).Select(u => u.Clone()).ToList();
            var subscription = new VersionSubscription(replay, _subscriberBuffer, Unsubscribe);
            _subscribers.Add(subscription);
            return subscription;
        }
    }

    private void Unsubscribe(VersionSubscription subscription)
    {
        lock (_gate)
        {
            _subscribers.Remove(subscription);
        }

        subscription.Close();
    }
}
