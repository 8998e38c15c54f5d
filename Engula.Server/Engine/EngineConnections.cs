using Engula.DiscoveryShim;
using Engula.Protocol.Journal;
using Engula.Protocol.Kernel;
using Engula.Protocol.Storage;
using Grpc.Net.Client;

namespace Engula.Server.Engine;

/// <summary>The engine's kernel, and the journal and storage the kernel hands out through <c>PlaceLookup</c>.</summary>
public sealed class EngineConnections : IDisposable
{
    private readonly EngulaChannelFactory _channels;
    private readonly GrpcChannel _kernelChannel;
    private GrpcChannel? _journalChannel;
    private GrpcChannel? _storageChannel;

    public EngineConnections(string kernelAddress, EngulaChannelFactory channels)
    {
        _channels = channels;
        KernelAddress = kernelAddress;
        _kernelChannel = channels.CreateChannel(kernelAddress);
        Kernel = new Protocol.Kernel.Kernel.KernelClient(_kernelChannel);
    }

    public string KernelAddress { get; }

    public Protocol.Kernel.Kernel.KernelClient Kernel { get; }

    public Protocol.Journal.Journal.JournalClient Journal { get; private set; } = null!;

    public Protocol.Storage.Storage.StorageClient Storage { get; private set; } = null!;

    /// <summary>Asks the kernel where journal and storage are (once; channels then follow the peers themselves).</summary>
    public async Task PlaceLookupAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_journalChannel is not null)
        {
            return;
        }

        var place = await Kernel.PlaceLookupAsync(new PlaceLookupRequest(), deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken);
        _journalChannel = _channels.CreateChannel(place.JournalAddress);
        _storageChannel = _channels.CreateChannel(place.StorageAddress);
        Journal = new Protocol.Journal.Journal.JournalClient(_journalChannel);
        Storage = new Protocol.Storage.Storage.StorageClient(_storageChannel);
    }

    public void Dispose()
    {
        _kernelChannel.Dispose();
        _journalChannel?.Dispose();
        _storageChannel?.Dispose();
    }
}
