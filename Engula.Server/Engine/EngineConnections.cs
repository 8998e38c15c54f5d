using Engula.DiscoveryShim;
using Engula.Protocol.Kernel;
using Grpc.Net.Client;

namespace Engula.Server.Engine;

/// <summary>The engine's kernel, and the journal and storage the kernel hands out through <c>PlaceLookup</c>.</summary>
public sealed class EngineConnections : IDisposable
{
    private readonly EngulaChannelFactory _channels;
    private readonly GrpcChannel _kernelChannel;
    private EnginePlace? _place;

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
    public EnginePlace Place => _place ?? throw new InvalidOperationException("the journal and storage are not known before the kernel has answered PlaceLookup");

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
        _place = EnginePlace.Create(PeerAddress.Parse(answer.JournalAddress), PeerAddress.Parse(answer.StorageAddress), _channels);
    }

    public void Dispose()
    {
        _kernelChannel.Dispose();
        _place?.Dispose();
    }
}

/// <summary>The journal and storage of one engine, with their clients: only ever built complete.</summary>
public sealed class EnginePlace : IDisposable
{
    private readonly GrpcChannel _journalChannel;
    private readonly GrpcChannel _storageChannel;

    private EnginePlace(PeerAddress journalAddress, GrpcChannel journalChannel, PeerAddress storageAddress, GrpcChannel storageChannel)
    {
        JournalAddress = journalAddress;
        StorageAddress = storageAddress;
        _journalChannel = journalChannel;
        _storageChannel = storageChannel;
        Journal = new Protocol.Journal.Journal.JournalClient(journalChannel);
        Storage = new Protocol.Storage.Storage.StorageClient(storageChannel);
    }

    public PeerAddress JournalAddress { get; }

    public PeerAddress StorageAddress { get; }

    public Protocol.Journal.Journal.JournalClient Journal { get; }

    public Protocol.Storage.Storage.StorageClient Storage { get; }

    internal static EnginePlace Create(PeerAddress journalAddress, PeerAddress storageAddress, EngulaChannelFactory channels)
    {
        var journalChannel = channels.CreateChannel(journalAddress);
        try
        {
            return new EnginePlace(journalAddress, journalChannel, storageAddress, channels.CreateChannel(storageAddress));
        }
        catch
        {
            journalChannel.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _journalChannel.Dispose();
        _storageChannel.Dispose();
    }
}
