using Engula.DiscoveryShim;
using Grpc.Net.Client;

namespace Engula.Server.Runtime;

/// <summary>
/// A journal and a storage with their clients: the kernel's (from its settings) and an engine's (from the kernel's
/// <c>PlaceLookup</c> answer). Only ever built complete; disposing it closes both channels.
/// </summary>
public sealed class DataPeers : IDisposable
{
    private readonly GrpcChannel _journalChannel;
    private readonly GrpcChannel _storageChannel;

    private DataPeers(PeerAddress journalAddress, GrpcChannel journalChannel, PeerAddress storageAddress, GrpcChannel storageChannel)
    {
        JournalAddress = journalAddress;
        StorageAddress = storageAddress;
        _journalChannel = journalChannel;
        _storageChannel = storageChannel;
        Journal = new Protocol.Journal.Journal.JournalClient(journalChannel);
        Storage = new Protocol.Storage.Storage.StorageClient(storageChannel);
    }

    /// <summary>The journal's address in the form it was given (the kernel reports it in <c>PlaceLookup</c>).</summary>
    public PeerAddress JournalAddress { get; }

    /// <summary>The storage's address in the form it was given.</summary>
    public PeerAddress StorageAddress { get; }

    public Protocol.Journal.Journal.JournalClient Journal { get; }

    public Protocol.Storage.Storage.StorageClient Storage { get; }

    /// <summary>Channels to both; they connect lazily, so a peer that is not up yet is not an error here.</summary>
    public static DataPeers Connect(PeerAddress journalAddress, PeerAddress storageAddress, EngulaChannelFactory channels)
    {
        ArgumentNullException.ThrowIfNull(journalAddress);
        ArgumentNullException.ThrowIfNull(storageAddress);
        ArgumentNullException.ThrowIfNull(channels);
        var journalChannel = channels.CreateChannel(journalAddress);
        try
        {
            return new DataPeers(journalAddress, journalChannel, storageAddress, channels.CreateChannel(storageAddress));
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
