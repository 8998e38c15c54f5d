using System.Threading.Channels;
using Engula.Protocol.Metadata;

namespace Engula.Server.Kernel;

/// <summary>One <c>VersionUpdates</c> stream: the held updates after the requested sequence, then the live tail.</summary>
public sealed class VersionSubscription : IDisposable
{
    private readonly Channel<VersionUpdate> _channel;
    private readonly Action<VersionSubscription> _onDispose;

    internal VersionSubscription(IReadOnlyList<VersionUpdate> replay, int capacity, Action<VersionSubscription> onDispose)
    {
        Replay = replay;
        _onDispose = onDispose;
        _channel = Channel.CreateBounded<VersionUpdate>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Updates that happened before the subscription and after the requested sequence, in order.</summary>
    public IReadOnlyList<VersionUpdate> Replay { get; }

    /// <summary>Live updates. Completes with <see cref="SubscriberLaggedException"/> if the reader falls too far behind.</summary>
    public ChannelReader<VersionUpdate> Live => _channel.Reader;

    internal void Publish(VersionUpdate update)
    {
        if (!_channel.Writer.TryWrite(update))
        {
            // A reader that cannot keep up is cut off rather than slowing every writer down; it can resubscribe
            // from its last sequence and get the missed updates replayed.
            _channel.Writer.TryComplete(new SubscriberLaggedException(update.Sequence));
        }
    }

    internal void Close(Exception? error = null) => _channel.Writer.TryComplete(error);

    public void Dispose() => _onDispose(this);
}
