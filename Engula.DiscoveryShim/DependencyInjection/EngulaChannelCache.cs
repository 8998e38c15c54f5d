using System.Collections.Concurrent;
using Grpc.Net.Client;

namespace Engula.DiscoveryShim.DependencyInjection;

/// <summary>One channel per address for the lifetime of the container (channels are meant to be long-lived
/// and shared: each owns its connections, resolver and back-off state).</summary>
public sealed class EngulaChannelCache(EngulaChannelFactory factory) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<GrpcChannel>> _channels = new(StringComparer.Ordinal);

    public GrpcChannel GetOrCreate(string address)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _channels.GetOrAdd(address, a => new Lazy<GrpcChannel>(() => factory.CreateChannel(a))).Value;
    }

    private volatile bool _disposed;

    public void Dispose()
    {
        _disposed = true;
        foreach (var channel in _channels.Values.Where(c => c.IsValueCreated))
        {
            channel.Value.Dispose();
        }

        _channels.Clear();
    }
}
