using Engula.DiscoveryShim;
using Engula.Protocol.Kernel;
using Grpc.Net.Client;

namespace Engula.Server.Engine;

/// <summary>The engine's kernel, and the journal and storage the kernel hands out through <c>PlaceLookup</c>.</summary>
public sealed class EngineConnections : IDisposable
{
    private readonly EngulaChannelFactory _channels;
    private readonly GrpcChannel _kernelChannel;
    private DataPeers? _place;

    public EngineConnections(PeerAddress kernelAddress, EngulaChannelFactory channels)
    {
        ArgumentNullException.ThrowIfNull(kernelAddress);
        ArgumentNullException.ThrowIfNull(channels);
        _channels = channels;
        KernelAddress = kernelAddress;
        _kernelChannel = channels.CreateChannel(kernelAddress);
        Kernel = new Protocol.Kernel.Kernel.KernelClient(_kernelChannel);
    }

    public PeerAddress KernelAddress { get; }

    public Protocol.Kernel.Kernel.KernelClient Kernel { get; }

    /// <summary>Where the journal and storage are; known once <see cref="PlaceLookupAsync"/> has answered (recovery
    /// does it first, before anything reads or writes).</summary>
    /// <exception cref="InvalidOperationException">Asked before the kernel has answered <c>PlaceLookup</c>.</exception>
    public DataPeers Place => _place ?? throw new InvalidOperationException("the journal and storage are not known before the kernel has answered PlaceLookup");

    public Protocol.Journal.Journal.JournalClient Journal => Place.Journal;

    public Protocol.Storage.Storage.StorageClient Storage => Place.Storage;

    /// <summary>Asks the kernel where journal and storage are (once; channels then follow the peers themselves).</summary>
    /// <exception cref="FormatException">The kernel answered an address that does not parse.</exception>
    public async Task PlaceLookupAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_place is not null)
        {
            return;
        }

        var answer = await Kernel.PlaceLookupAsync(new PlaceLookupRequest(), deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken);
        _place = DataPeers.Connect(PeerAddress.Parse(answer.JournalAddress), PeerAddress.Parse(answer.StorageAddress), _channels);
    }

    public void Dispose()
    {
        _kernelChannel.Dispose();
        _place?.Dispose();
    }
}
